"""The 表記チェック benchmark corpus: the seed report's texts and tables with mistakes put in by
hand, each labelled with the rule that must find it. Used by bench/proofreading.py and by the
test that no labelled mistake goes unfound."""

import copy
from collections import Counter
from dataclasses import dataclass

from proofreading.document import Document

# (rule, a passage found in exactly one text of the seed, what to replace in it, with what).
# An empty passage to replace appends to the text.
TEXT_MISTAKES = [
    # 機種依存文字
    ("machine-dependent", "はんこレス、ペーパーレス", "「３つのレス」", "「③つのレス」"),
    ("machine-dependent", "社会保障・税番号制度", "広報などを", "㈱の広報などを"),
    ("machine-dependent", "専攻科の生徒", "大阪府立大学", "大阪府立大学（第Ⅱ期）"),
    ("style-mix", "課題を洗い出し", "目的として実施した。", "目的として実施しました。"),
    ("machine-dependent", "マイナポイントのチラシ", "チラシ", "ﾁﾗｼ"),
    (
        "machine-dependent",
        "総合行政ネットワーク（ＬＧＷＡＮ）は",
        "情報交換手段",
        "㍻の情報交換手段",
    ),
    # 文字種の混在
    ("mixed-script", "会議や打ち合わせ", "Webex", "Wеbex"),
    ("mixed-script", "府庁内の事務作業に", "ＲＰＡ", "ＲРＡ"),
    ("mixed-script", "事業者とのＬＧＷＡＮ", "ＬＧＷＡＮ運用定例会", "ＬＧＷАＮ運用定例会"),
    ("mixed-script", "ICT活用等", "（QoL）", "（QоL）"),
    ("mixed-script", "行政サービスの向上と", "ＩＣＴ系", "ＩСＴ系"),
    # 制御文字・不可視文字
    ("invisible", "府民サービスの向上とともに", "推進ワーキング", "推進\u200bワーキング"),
    ("invisible", "第１弾、第２弾", "各テーマ", "各\tテーマ"),
    ("invisible", "自宅のパソコンから", "緊急テレワーク", "緊急\ufeffテレワーク"),
    ("invisible", "府内市町村に向けた研修会", "技術相談会", "技術\u00ad相談会"),
    # 数字の全角・半角
    ("numeral-width", "音声データから議事録", "令和２年度は", "令和2年度は"),
    ("numeral-width", "チャットツール調達仕様書", "令和３年度", "令和3年度"),
    ("numeral-width", "町村による自治体クラウド事務局", "３町村", "3町村"),
    ("numeral-width", "消費税法の改正", "10月", "１０月"),
    ("numeral-width", "外部専門家", "３名", "3名"),
    ("numeral-width", "情報システムの共同化に係る協定", "４月21日", "４月２１日"),
    # 英字の全角・半角
    ("latin-width", "庁内ＩＣＴ化の推進", "ＩＣＴ", "ICT"),
    ("latin-width", "ネットワーク連絡部会の運営", "ＬＧＷＡＮ", "LGWAN"),
    ("latin-width", "訪問若しくは", "Web会議", "Ｗｅｂ会議"),
    ("latin-width", "住民生活に関わる地域課題", "（QoL）", "（ＱｏＬ）"),
    # 空白
    ("spacing", "業務の可視化", "業務の可視化", "業務の　可視化"),
    ("spacing", "日本年金機構", "総務省において", "総務省  において"),
    ("spacing", "府内市町村と共に", "市町村と共に", "市町村と 共に"),
    ("spacing", "都道府県ノードの運営費用", "運営費用及び", "運営費用　及び"),
    ("spacing", "関心が高いテーマ", "計５回実施。", "計５回実施。　"),
    # 括弧の対応
    ("brackets", "ペーパーレス会議指針", "会議指針」", "会議指針"),
    ("brackets", "ＲＰＡ本格導入", "導入", "導入（試行"),
    ("brackets", "ヒアリングなどを通じて", "の導入」", "の導入』"),
    ("brackets", "大阪府内の市町村及び", "大阪府の", "大阪府の（"),
    # 表記ゆれ（その語の勧める書き方が報告書にあるところへ、ほかの書き方を入れる）
    ("variants", "補助率等", "補助率等", "手続きと補助率等"),
    ("variants", "補助対象経費の", "上限500万円", "上限500万円（届け出が必要）"),
    ("variants", "市町による自治体クラウド事務局", "支援を実施した", "取り組みを紹介した"),
    ("variants", "運用フローについて", "説明を", "めざす姿の説明を"),
    ("variants", "情報セキュリティ担当者を対象に", "講演を行った", "講演に取組んだ"),
    # 存在しない日付
    ("date-invalid", "要件に該当する事業", "※要件", "※令和２年２月30日以降に要件"),
    ("date-invalid", "支援内容", "支援", "令和２年13月からの支援"),
    ("date-invalid", "在宅勤務の取組状況等", "の講演", "（令和２年６月31日）の講演"),
    ("date-invalid", "Robotic Process", "ＲＰＡとは", "ＲＰＡ（令和０年導入）とは"),
    # 元号の誤り
    ("era-name", "条例・規則改正", "条例", "平成31年５月の条例"),
    ("era-name", "マイナポイントの広報", "マイナポイント", "令和元年４月からのマイナポイント"),
    ("era-name", "への追加参加支援", "島本町", "平成32年度の島本町"),
    ("era-name", "（豊能町、河南町、千早赤阪村）の運用支援", "大阪府版", "平成31年度の大阪府版"),
    # 期間の前後
    ("date-range", "まで（４年間）", "平成29年８月１日", "令和３年８月１日"),
    ("date-range", "情報政策全般", "全般", "全般（令和２年５月～４月）"),
    ("date-range", "セキュリティクラウド勉強会", "勉強会", "勉強会（令和３年３月８日～１日）"),
    ("date-range", "技術セミナーの開催", "情報", "令和３年度から令和２年度の情報"),
    # 曜日の誤り
    ("weekday", "ＣＩＯ補佐官", "補佐官", "補佐官（令和２年12月18日（木））"),
    ("weekday", "メールマガジンの発行", "大阪", "令和３年１月28日（金）の大阪"),
    ("weekday", "技術相談会の開催", "研修会", "令和２年４月１日(月)の研修会"),
    ("weekday", "アンケート調査", "電子", "2021年３月８日（火）の電子"),
    # 本文と表の不一致（表のある取組の本文に年度の金額・前年度比を書き足す）
    ("text-vs-table", "都道府県の役割に鑑み", "", "\n令和２年度の負担金は37,245,302円であった。"),
    ("text-vs-table", "電子証明書をＩＣカード", "", "令和元年度の負担金は100,135,012円であった。"),
    ("text-vs-table", "複数の機関に存在する", "", "\n令和２年度の改修業務は4,484,070円であった。"),
    (
        "text-vs-table",
        "その費用を支払っている",
        "",
        "令和２年度の交付金は23,683,000円で、前年度比は120.0％であった。",
    ),
    ("text-vs-table", "増額分は全額国庫補助金", "", "令和元年度は20,372,000円であった。"),
    # 長い文
    (
        "sentence-length",
        "意識啓発の一環として",
        "意識啓発の一環として、",
        "意識啓発の一環として、全庁の各部局に所属する職員を対象にした説明会を複数回開催し、"
        "優れた提案を表彰する制度を設け、",
    ),
    (
        "sentence-length",
        "府庁版働き方改革の取組状況",
        "ＩＴセミナーを実施した",
        "ＩＴセミナーを実施し、あわせて参加できなかった職員のために当日の講演資料と録画した動画を"
        "庁内のポータルサイトで公開した",
    ),
    (
        "sentence-length",
        "職員の作業時間削減",
        "モバイルワークを推進している",
        "モバイルワークを推進し、あわせて端末の管理方法と紛失時の連絡手順を定めている",
    ),
    (
        "sentence-length",
        "地域情報化の推進に寄与",
        "一本化した",
        "一本化し、あわせて会員の市町村に対して新しい会議の運営方法と今後の予定、"
        "分科会の構成と参加の手続、情報共有の方法と連絡先の一覧を文書で通知した",
    ),
    # 文体の混在
    ("style-mix", "行政DXの推進を通じた", "推進する。", "推進します。"),
    ("style-mix", "届出の負担軽減", "廃止した。", "廃止しました。"),
    ("style-mix", "住民が自宅等で", "策定等を実施した。", "策定等を実施しました。"),
    ("style-mix", "紙の申請書等の転記作業", "試行導入した。", "試行導入しました。"),
]

# (rule, table caption, row, column, new cell).
TABLE_MISTAKES = [
    ("table-total", "スマートシティ戦略推進補助金", 6, 2, "19,997"),
    ("table-total", "スマートシティ戦略推進補助金", 6, 3, "148,597"),
    ("table-units", "地方公共団体情報システム機構への負担金", 0, 3, "37,245千円"),
    ("table-units", "中間サーバ交付金", 0, 2, "20,327千円"),
    ("table-units", "大阪府統合宛名システム構築及び運用保守業務委託", 0, 1, "17,194千円"),
]


@dataclass
class Injection:
    """A mistake put in: the text it is in (one mistake per text), or the table cell."""

    rule: str
    text: int | None = None
    table: int | None = None
    cell: tuple[int, int] | None = None
    old: str = ""
    new: str = ""


def _one(document: Document, passage: str) -> int:
    found = [n for n, t in enumerate(document.texts) if passage in t.value]
    assert len(found) == 1, (passage, found)
    return found[0]


def corpus(seed: Document) -> tuple[Document, list[Injection]]:
    """A copy of ``seed`` with every mistake put in, and where each one is."""
    document = copy.deepcopy(seed)
    injections, used = [], set()
    for rule, passage, old, new in TEXT_MISTAKES:
        index = _one(seed, passage)
        assert index not in used, passage
        used.add(index)
        value = document.texts[index].value
        start = value.index(old) if old else len(value)
        document.texts[index].value = value[:start] + new + value[start + len(old) :]
        injections.append(Injection(rule, index, old=old, new=new))
    for rule, caption, row, column, cell in TABLE_MISTAKES:
        table = next(n for n, t in enumerate(document.tables) if t.caption.endswith(caption))
        document.tables[table].rows[row][column] = cell
        injections.append(Injection(rule, table=table, cell=(row, column)))
    return document, injections


def _key(document: Document, finding) -> tuple:
    if finding.text is not None:
        value = document.texts[finding.text].value
        return finding.rule, finding.text, value[finding.start : finding.end]
    return finding.rule, "table", finding.table, finding.cell


def _hits(injection: Injection, finding) -> bool:
    if finding.rule != injection.rule:
        return False
    if injection.text is not None:
        return finding.text == injection.text
    return (finding.table, finding.cell) == (injection.table, injection.cell)


@dataclass
class Score:
    injections: int
    found: list[Injection]
    missed: list[Injection]
    new: list  # findings the seed did not have
    false: list  # new findings no injection explains

    @property
    def recall(self) -> float:
        return len(self.found) / self.injections

    @property
    def precision(self) -> float:
        return (len(self.new) - len(self.false)) / len(self.new) if self.new else 1.0


def score(seed: Document, seed_findings, document: Document, injections, findings) -> Score:
    """Compare the findings on the corpus with the seed's own and with the labelled mistakes."""
    baseline = Counter(_key(seed, f) for f in seed_findings)
    # A finding of the seed whose span now holds a mistake (a long sentence with a space put
    # in) is the same finding: find it with the mistake applied to its text.
    changed = {i.text: i for i in injections if i.text is not None and i.old}
    for key in list(baseline):
        injection = changed.get(key[1]) if key[1] != "table" else None
        if injection and injection.old in key[2]:
            moved = (*key[:2], key[2].replace(injection.old, injection.new, 1))
            baseline[moved] += baseline.pop(key)
    new = []
    for finding in findings:
        key = _key(document, finding)
        if baseline[key]:
            baseline[key] -= 1
        else:
            new.append(finding)
    found = [i for i in injections if any(_hits(i, f) for f in new)]
    missed = [i for i in injections if i not in found]
    false = [f for f in new if not any(_hits(i, f) for i in injections)]
    return Score(len(injections), found, missed, new, false)
