"""表記チェック: each rule on a mistake and on correct notation, the seed report's findings, fixes
that change only what they fix, the proofread command and search that sees through look-alike
letters."""

import io
import json
import re
import unicodedata
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core import serializers
from django.core.management import CommandError, call_command

from budgets.models import Contract, SubsidyAward
from organisation.normalise import fold_scripts, search_form
from programs.models import Event, Fact, Figure, FreeTable, Initiative, Note, TextBlock
from proofreading.document import Config, Document, Kind, Source, Table, Text
from proofreading.document import check as run_rules
from proofreading.rules import RULES, rules_named, variants, words
from proofreading.sources import apply_fixes, proofread
from publication.publishing import body_html
from publication.tree import load_report
from reports.models import Report, Section
from tests.proofreading_corpus import corpus, score
from tests.seed_facts import FACTS
from tests.text import missing_in_order, squash, visible_text


def check(*values, rule, kind=Kind.PROSE, tables=(), config=None, nodes=None):
    document = Document(
        texts=[Text(f"場所{n}", v, kind, node=(nodes or {}).get(n)) for n, v in enumerate(values)],
        tables=list(tables),
        parents={1: None, 2: 1},
    )
    return run_rules(document, rules_named([rule]), config or Config())


def flagged(*values, rule, **kwargs) -> list[str]:
    """The characters each finding points at."""
    found = check(*values, rule=rule, **kwargs)
    return [values[f.text][f.start : f.end] if f.text is not None else f.excerpt for f in found]


def fixed(value, rule, kind=Kind.PROSE) -> str:
    """``value`` after every fix ``rule`` proposes, applied one edit at a time."""
    found = check(value, rule=rule, kind=kind)
    for f in sorted(found, key=lambda f: -f.start):
        for edit in f.edits:
            value = value[: edit.start] + edit.replacement + value[edit.end :]
    return value


# One rule at a time: a mistake is found (and fixed where safe), correct notation is not.


def test_every_rule_kind_of_the_issue_is_registered():
    assert {r.id for r in RULES} == {
        "machine-dependent",
        "mixed-script",
        "invisible",
        "numeral-width",
        "latin-width",
        "spacing",
        "brackets",
        "variants",
        "date-invalid",
        "era-name",
        "date-range",
        "weekday",
        "table-total",
        "text-vs-table",
        "table-units",
        "sentence-length",
        "style-mix",
    }


def test_machine_dependent_characters_become_standard_forms():
    assert fixed("①市町村、⑫事業", "machine-dependent") == "（１）市町村、（12）事業"
    assert fixed("㈱オプテージ", "machine-dependent") == "（株）オプテージ"
    assert fixed("㍻31年", "machine-dependent") == "平成31年"
    assert fixed("第Ⅱ期", "machine-dependent") == "第II期"
    assert fixed("ｶﾞｲﾄﾞﾌﾞｯｸ", "machine-dependent") == "ガイドブック"
    assert fixed("安全･確実", "machine-dependent") == "安全・確実"


def test_standard_forms_are_not_machine_dependent():
    assert (
        flagged("（１）市町村（株）オプテージ平成31年第II期ガイドブック", rule="machine-dependent")
        == []
    )


def test_a_cyrillic_or_greek_letter_inside_a_latin_word_is_found_and_made_latin():
    assert fixed("ＡＩ－ОＣＲを活用", "mixed-script") == "ＡＩ－ＯＣＲを活用"
    assert fixed("Web АPI", "mixed-script") == "Web API"
    assert fixed("ΤeamsとΡython", "mixed-script") == "TeamsとPython"
    assert [f.severity for f in check("ОＣＲ", rule="mixed-script")] == ["error"]


def test_greek_letters_used_as_themselves_are_not_mixed_script():
    assert flagged("ＡＩ－ＯＣＲ、β版、10μm、α", rule="mixed-script") == []


def test_invisible_and_control_characters_are_removed():
    assert fixed("申請\u200b書", "invisible") == "申請書"
    assert fixed("タブ\tあり", "invisible") == "タブあり"
    assert fixed("\ufeff見出し", "invisible") == "見出し"


def test_line_breaks_typed_in_a_browser_are_not_control_characters():
    assert flagged("一行目\r\n二行目\n三行目", rule="invisible") == []


def test_numerals_follow_the_reports_width_convention():
    assert fixed("件数：1件", "numeral-width") == "件数：１件"
    assert (
        fixed("１０団体、１，０００円、８８．３８％", "numeral-width") == "10団体、1,000円、88.38％"
    )


def test_numerals_in_the_convention_and_in_latin_names_are_not_flagged():
    correct = (
        "令和２年度、平成30年度、令和３年１月28日、38,294,000円、88.38％、２in１、"
        "2in1タブレット、2021-03-08、10:00、1/2、Windows 7、令和1年"
    )
    assert flagged(correct, rule="numeral-width") == []


def test_a_latin_term_in_both_widths_is_unified_to_the_width_used_most():
    found = check("庁内ＩＣＴ化", "ＩＣＴ系企業", "ICT活用", rule="latin-width")
    assert [(f.text, f.suggestion) for f in found] == [(2, "ＩＣＴ活用")]
    assert flagged("Web会議", "Ｗｅｂ配信", rule="latin-width") == ["Ｗｅｂ"]  # a tie: half-width


def test_a_latin_term_in_one_width_is_not_flagged():
    assert flagged("ＩＣＴ", "ＩＣＴ化", "Web", "Web会議", "ＡＩ－ОＣＲ", rule="latin-width") == []


def test_spaces_inside_a_sentence_are_removed():
    assert fixed("照会・通知　の状況", "spacing") == "照会・通知の状況"
    assert fixed("試行帳票平均　　　　88.38％）", "spacing") == "試行帳票平均88.38％）"
    assert fixed("Cisco  Webex", "spacing") == "Cisco Webex"
    assert fixed("説明を 行った。　", "spacing") == "説明を行った。"


def test_spaces_between_latin_words_and_after_a_corporate_designation_are_kept():
    assert flagged("Cisco Webex Meetings、RPA とは、株式会社　野村総合研究所", rule="spacing") == []


def test_unpaired_brackets_and_quotes_are_errors():
    assert flagged("「ＡＩ－ＯＣＲを試行導入した。", rule="brackets") == ["「"]
    assert flagged("利用促進を行った）。", rule="brackets") == ["）"]
    assert flagged("『指針」を策定", rule="brackets") == ["『", "」"]
    assert [f.severity for f in check("（未完", rule="brackets")] == ["error"]


def test_paired_brackets_and_list_markers_are_not_flagged():
    text = "「３つのレス」の推進（令和２年度）。ＲＰＡ（※）は(株)が行う。\n1) 項目\nア) 項目"
    assert flagged(text, rule="brackets") == []


def test_two_ways_of_writing_a_word_in_one_report_are_unified():
    found = check("行政手続きのオンライン化", "行政手続の棚卸調査", rule="variants")
    assert [(f.text, f.suggestion) for f in found] == [(0, "行政手続のオンライン化")]
    assert flagged("各部局の取組みを推進", "取組状況", rule="variants") == ["取組み"]
    assert flagged("業務改善に取組む", "推進に取り組んだ", rule="variants") == ["取組"]


def test_one_way_of_writing_a_word_verbs_and_quotations_are_not_variants():
    assert flagged("手続きのオンライン化", "手続きができる", rule="variants") == []
    # 取り組み、 is the verb; the noun 取組 beside it is no 表記ゆれ
    assert flagged("課題に取り組み、解決した", "取組状況", rule="variants") == []
    # a quotation keeps its wording
    assert flagged("「行政手続きのオンライン化」", "行政手続の棚卸", rule="variants") == []


def test_the_word_list_is_data_the_team_can_extend(tmp_path):
    extra = tmp_path / "words.toml"
    extra.write_text(
        '[[word]]\npreferred = "ウェブ"\nvariants = ["ウエブ"]\nnote = "課の申合せ"\n',
        encoding="utf-8",
    )
    document = Document(texts=[Text("a", "ウェブ会議"), Text("b", "ウエブ配信")])
    hits = list(variants(document, Config(), word_list=words(extra)))
    assert [(h.text, h.replacement) for h in hits] == [(1, "ウェブ")]
    assert "手続" in {w.preferred for w in words()}


def test_a_date_that_does_not_exist_is_an_error():
    assert flagged("令和３年２月30日に開催", rule="date-invalid") == ["令和３年２月30日"]
    assert flagged("令和２年13月", "令和０年４月", rule="date-invalid") == [
        "令和２年13月",
        "令和０年４月",
    ]


def test_dates_that_exist_are_not_flagged():
    correct = (
        "令和３年２月28日、令和２年２月29日、令和２年度３月末、平成31年４月30日、2021年1月28日"
    )
    assert flagged(correct, rule="date-invalid") == []


def test_an_era_that_was_not_in_use_is_corrected():
    assert fixed("平成31年５月から", "era-name") == "令和元年５月から"
    assert fixed("平成31年５月７日", "era-name") == "令和元年５月７日"
    assert fixed("令和元年４月", "era-name") == "平成31年４月"
    assert fixed("平成32年度", "era-name") == "令和２年度"
    assert fixed("平成31年度", "era-name") == "令和元年度"
    assert fixed("令和1年", "era-name") == "令和元年"


def test_eras_in_use_are_not_flagged():
    correct = (
        "平成30年度、令和元年度、令和２年度、平成31年４月１日、令和元年５月１日、平成31年、"
        "昭和64年１月７日"
    )
    assert flagged(correct, rule="era-name") == []


def test_a_period_that_ends_before_it_starts_is_an_error():
    assert flagged("令和３年４月１日から令和２年４月１日まで", rule="date-range") == [
        "令和３年４月１日から令和２年４月１日"
    ]
    assert flagged("令和３年３月８日～１日", rule="date-range") == ["令和３年３月８日～１日"]
    assert flagged("令和８年度から平成29年度", rule="date-range") == ["令和８年度から平成29年度"]


def test_periods_in_order_are_not_flagged():
    correct = (
        "令和元年５月20日から令和２年３月31日まで、令和３年３月８日～31日、"
        "平成29年度から令和８年度、平成28年９月～令和９年３月、令和元年９月19日～"
    )
    assert flagged(correct, rule="date-range") == []


def test_a_weekday_that_does_not_match_its_date_is_an_error():
    assert flagged("令和３年１月28日（金）", rule="weekday") == ["令和３年１月28日（金）"]
    assert flagged("令和３年１月28日（木）、2020年12月18日(金曜日)", rule="weekday") == []


def awards(total_subsidy="19,977", unit_cell="1,141"):
    return Table(
        "採択事業の表",
        "補助金",
        "千円",
        ["市町村名", "事業名称", "補助額", "総事業費"],
        [
            ["河内長野市", "自動運転実装事業", "5,000", "37,527"],
            ["大阪市", "行政手続のオンライン化事業", "5,000", "57,376"],
            ["池田市", "MaaS", "5,000", "24,975"],
            ["貝塚市", "住民異動受付支援事業", "2,132", "4,264"],
            ["茨木市", "いばらき環境（エコ）ポイント", "1,704", "3,408"],
            ["吹田市", "市民課窓口受付支援システム", unit_cell, "21,407"],
            ["合計", "", total_subsidy, "148,957"],
        ],
    )


def test_a_total_that_is_not_the_sum_of_its_rows_is_an_error():
    found = check(rule="table-total", tables=[awards(total_subsidy="19,997")])
    assert [(f.excerpt, f.severity) for f in found] == [("19,997", "error")]
    assert "19,977" in found[0].suggestion


def test_a_total_that_is_the_sum_is_not_flagged():
    assert check(rule="table-total", tables=[awards()]) == []


def test_units_mixed_in_one_column_are_flagged():
    found = check(rule="table-units", tables=[awards(unit_cell="1,141,000円")])
    assert [f.excerpt for f in found] == ["1,141,000円"]


def test_one_unit_per_column_and_a_ratio_row_below_amounts_are_not_mixed():
    settlement = lgwan_table()
    assert check(rule="table-units", tables=[awards(), settlement]) == []


def lgwan_table():
    return Table(
        "表「負担金」",
        "地方公共団体情報システム機構への負担金",
        "円",
        ["", "平成30年度", "令和元年度", "令和２年度"],
        [
            ["決算額", "38,294,000円", "42,969,708円", "37,245,320円"],
            ["前年度比", "－", "112.2%", "86.7%"],
        ],
        by_row=True,
        node=1,
    )


def test_an_amount_or_ratio_in_the_text_that_disagrees_with_the_table_is_an_error():
    wrong = "令和２年度の負担金は37,245,302円で、前年度比は90.0％であった。"
    found = check(wrong, rule="text-vs-table", tables=[lgwan_table()], nodes={0: 1})
    assert [wrong[f.start : f.end] for f in found] == ["37,245,302円", "前年度比は90.0％"]
    assert "37,245,320円" in found[0].suggestion


def test_amounts_and_ratios_that_agree_with_the_table_are_not_flagged():
    right = (
        "令和２年度の負担金は37,245,320円（約3,725万円）で、前年度比は86.7％であった。"
        "令和元年度は42,970千円。上限500万円。"
    )
    found = check(right, rule="text-vs-table", tables=[lgwan_table()], nodes={0: 1})
    assert found == []
    # a text far from the table is not compared with it
    elsewhere = "令和２年度の負担金は1円。"
    assert check(elsewhere, rule="text-vs-table", tables=[lgwan_table()], nodes={0: 99}) == []


def test_a_long_sentence_is_a_hint_with_a_configurable_limit():
    sentence = "あ" * 120 + "。"
    assert [f.severity for f in check(sentence, rule="sentence-length")] == ["hint"]
    assert check("あ" * 119 + "。", rule="sentence-length") == []
    assert len(check("あ" * 50 + "。", rule="sentence-length", config=Config(50))) == 1


def test_polite_sentences_among_plain_ones_are_flagged():
    texts = ("推進した。", "運用を開始した。", "説明会を実施しました。")
    assert flagged(*texts, rule="style-mix") == ["説明会を実施しました。"]
    assert flagged("推進した。", "目的としている。", "事業である。", rule="style-mix") == []


def test_search_folding_is_pure_and_keeps_positions():
    assert search_form("ＡＩ－ОＣＲ") == "ai-ocr"
    assert len(fold_scripts("ＡＩ－ОＣＲ")) == len("ＡＩ－ОＣＲ")


# The seed report.

# Every finding on the seed, written down from reading it: (rule, the characters pointed at).
SEED_FINDINGS = Counter(
    {
        ("mixed-script", "ОＣＲ"): 2,
        ("variants", "手続き"): 4,
        ("variants", "めざ"): 4,
        ("variants", "取組み"): 4,
        ("variants", "取り扱い"): 1,
        ("variants", "取組"): 1,  # 取組む beside 取り組んだ
        ("spacing", "\u3000"): 7,
        ("spacing", "\u3000" * 4): 1,
        ("latin-width", "ICT"): 1,
        ("numeral-width", "1"): 1,
        ("machine-dependent", "･"): 1,
        ("machine-dependent", "①"): 1,
        ("machine-dependent", "②"): 1,
        ("machine-dependent", "③"): 1,
        ("machine-dependent", "④"): 1,
        ("sentence-length", None): 4,
    }
)


def _pointed(document, finding):
    if finding.rule == "sentence-length":
        return None
    return document.texts[finding.text].value[finding.start : finding.end]


@pytest.fixture
def seed_check(seed):
    return proofread(seed)


def test_every_finding_on_the_seed(seed_check):
    document, findings = seed_check
    for f in findings:
        print(f.severity, f.rule, f.place, f.excerpt, "→", f.suggestion)
    assert Counter((f.rule, _pointed(document, f)) for f in findings) == SEED_FINDINGS


def test_the_seeds_known_mistakes_are_found(seed_check):
    _, findings = seed_check
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    cyrillic = by_rule["mixed-script"]
    assert {f.severity for f in cyrillic} == {"error"}
    assert any(f.place.endswith("ＡＩ－ОＣＲを活用した庁内業務の効率化 › 見出し") for f in cyrillic)
    assert "ＡＩ－ＯＣＲ" in cyrillic[0].suggestion
    assert any("手続き" in f.excerpt and "手続の" in f.suggestion for f in by_rule["variants"])
    spaces = {f.excerpt for f in by_rule["spacing"]}
    assert any("通知　の状況" in e for e in spaces)
    assert any("平均　　　　88.38％" in e for e in spaces)


CORRECT_NOTATION = [
    "令和２年度",
    "平成30年度",
    "令和元年度",
    "令和３年２月１日",
    "平成27年12月",
    "平成14年４月25日",
    "令和元年９月19日",
    "平成29年８月１日",
    "令和３年７月31日",
    "（４年間）",
    "38,294,000円",
    "７回（隔月１回程度）",
    "500台",
    "上限1,000万円",
    "12回（毎月１回）",
    "２in１",
    "ｉＰａｄ",
    "株式会社　野村総合研究所",
    "「３つのレス」",
]


def test_the_seeds_correct_notation_is_not_flagged(seed_check):
    document, findings = seed_check
    assert all(f.table is None for f in findings)
    for correct in CORRECT_NOTATION:
        places = [
            (n, m.start(), m.end())
            for n, t in enumerate(document.texts)
            for m in re.finditer(re.escape(correct), t.value)
        ]
        in_tables = [
            cell
            for t in document.tables
            for cell in [*t.headers, *(c for row in t.rows for c in row)]
            if correct in cell
        ]
        assert places or in_tables, correct
        touching = [
            f
            for f in findings
            for n, start, end in places
            if f.text == n and f.start < end and start < f.end and f.rule != "sentence-length"
        ]
        assert touching == [], correct
    assert not {"date-invalid", "era-name", "date-range", "weekday"} & {f.rule for f in findings}


CONTENT_MODELS = [Section, Initiative, Fact, Figure, Event, Note, Contract, SubsidyAward]

# Facts that carry a mistake the fixes correct, as they read once fixed (written by hand).
FACTS_AFTER_FIX = dict(
    [
        (
            "申請、届出の負担軽減や手続きのオンライン化推進のため",
            "申請、届出の負担軽減や手続のオンライン化推進のため",
        ),
        (
            "等への押印義務の廃止をめざし",
            "等への押印義務の廃止を目指し",
        ),
        (
            "統一的に押印等の取り扱いを定める規則を制定し",
            "統一的に押印等の取扱いを定める規則を制定し",
        ),
        (
            "行政手続きのオンライン化",
            "行政手続のオンライン化",
        ),
        (
            "ＡＩ－ОＣＲを活用した庁内業務の効率化",
            "ＡＩ－ＯＣＲを活用した庁内業務の効率化",
        ),
        (
            "データに変換する「ＡＩ－ОＣＲ」を、試行導入した",
            "データに変換する「ＡＩ－ＯＣＲ」を、試行導入した",
        ),
        (
            "各部局の取組みを推進することを目的として",
            "各部局の取組を推進することを目的として",
        ),
        (
            "職員が自発的、自立的に業務改善に取組む機運を高める",
            "職員が自発的、自立的に業務改善に取り組む機運を高める",
        ),
        (
            "府内市町村に向けた大阪府及び大阪電子自治体連絡会の取組み",
            "府内市町村に向けた大阪府及び大阪電子自治体連絡会の取組",
        ),
        (
            "ICT活用等のスマートシティ化の取組みを円滑に進め",
            "ＩＣＴ活用等のスマートシティ化の取組を円滑に進め",
        ),
        (
            "事務効率化と財政負担の緩和の両立をめざし",
            "事務効率化と財政負担の緩和の両立を目指し",
        ),
        (
            "住民が自宅等で手続きができることによる利便性の向上",
            "住民が自宅等で手続ができることによる利便性の向上",
        ),
        (
            "大阪府の取組みと今後の方針について説明した",
            "大阪府の取組と今後の方針について説明した",
        ),
        (
            "生活の質（QoL）の向上をめざすため",
            "生活の質（QoL）の向上を目指すため",
        ),
        (
            "生活の質(QoL)の向上をめざすため",
            "生活の質(QoL)の向上を目指すため",
        ),
        (
            "行政手続きのオンライン化を中心とした市町村のデジタル化推進に関する支援",
            "行政手続のオンライン化を中心とした市町村のデジタル化推進に関する支援",
        ),
    ]
)

# How each fix may change a text, besides width (NFKC) and spaces: written by hand.
ALLOWED = [
    ("手続き", "手続"),
    ("めざ", "目指"),
    ("取り扱い", "取扱い"),
    ("取組み", "取組"),
    ("取組む", "取り組む"),
    ("①", "(1)"),
    ("②", "(2)"),
    ("③", "(3)"),
    ("④", "(4)"),
]


def _canonical(value: str) -> str:
    for old, new in ALLOWED:
        value = value.replace(old, new)
    return squash(fold_scripts(unicodedata.normalize("NFKC", value)))


def _snapshot() -> dict[tuple[str, int, str], object]:
    rows = {}
    for model in CONTENT_MODELS:
        for row in serializers.serialize("python", model.objects.order_by("pk")):
            for name, value in row["fields"].items():
                rows[(row["model"], row["pk"], name)] = value
    return rows


def test_applying_every_fix_keeps_the_facts_and_changes_nothing_else(seed):
    before = _snapshot()
    document, findings = proofread(seed)
    changed = apply_fixes(seed, document, [f for f in findings if f.fixable])
    after = _snapshot()

    diff = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    for (model, pk, name), (old, new) in sorted(diff.items()):
        print(f"{model} {pk} {name}:\n  - {old}\n  + {new}")
    assert after.keys() == before.keys()
    assert {(k[0], k[1], k[2]) for k in diff} == {(s.model, s.pk, s.field) for s in changed}
    assert len(diff) == 21
    for old, new in diff.values():
        assert _canonical(old) == _canonical(new)

    html = visible_text(body_html(seed, load_report(seed)))
    assert missing_in_order(html, [FACTS_AFTER_FIX.get(f, f) for f in FACTS]) == []
    assert len(FACTS) == 446

    _, remaining = proofread(seed)
    assert {f.rule for f in remaining} == {"sentence-length"}


def test_text_blocks_and_free_tables_are_checked(seed):
    initiative = Initiative.objects.get(title="はんこレス")
    block = TextBlock.objects.create(initiative=initiative, text="ОＣＲを試行した。", order=9)
    FreeTable.objects.create(
        initiative=initiative,
        caption="購入物品",
        unit="円",
        columns=[{"label": "品名", "type": "text"}, {"label": "金額", "type": "amount"}],
        rows=[["端末", "100"], ["周辺機器", "50"], ["合計", "160"]],
        order=10,
    )

    document, findings = proofread(seed)

    cyrillic = [f for f in findings if f.rule == "mixed-script" and f.place.endswith("文章")]
    assert [document.texts[f.text].source for f in cyrillic] == [
        Source("programs.textblock", block.pk, "text")
    ]
    (total,) = [f for f in findings if f.rule == "table-total"]
    assert total.place.endswith("はんこレス › 表「購入物品」 › 合計／金額")
    assert total.suggestion == "上の行の和は 150 です。"


def test_a_fix_is_recorded_in_the_history_with_its_user_and_reason(seed):
    editor = User.objects.create_user("editor", password="pw")
    document, findings = proofread(seed)
    cyrillic = [f for f in findings if f.rule == "mixed-script"]
    apply_fixes(seed, document, cyrillic, user=editor)

    title = Initiative.objects.get(title__startswith="ＡＩ－")
    assert title.title == "ＡＩ－ＯＣＲを活用した庁内業務の効率化"
    record = title.history.latest()
    assert record.history_user == editor
    assert "表記チェック" in record.history_change_reason
    seed.refresh_from_db()
    assert seed.last_edited_by == editor
    assert seed.status == Report.Status.DRAFT


def test_a_text_saved_by_someone_else_after_the_check_is_not_overwritten(seed):
    document, findings = proofread(seed)
    body = Initiative.objects.get(title__startswith="ＡＩ－")
    body.body = "別の人が書き直した本文。"
    body.save()

    changed = apply_fixes(seed, document, [f for f in findings if f.rule == "mixed-script"])

    body.refresh_from_db()
    assert body.body == "別の人が書き直した本文。"
    assert changed == [Source("programs.initiative", body.pk, "title")]


def run_command(*args) -> tuple[str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("proofread", "2020", "digital-administration", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return out.getvalue(), exit.code
    return out.getvalue(), 0


def test_the_command_prints_json_findings_and_exits_1_on_an_error(seed):
    output, status = run_command("--format", "json")

    findings = json.loads(output)
    assert status == 1
    assert {tuple(sorted(f)) for f in findings} == {
        ("excerpt", "place", "rule", "severity", "suggestion")
    }
    assert {"error", "warning", "hint"} == {f["severity"] for f in findings}
    assert any(f["rule"] == "mixed-script" and "ОＣＲ" in f["excerpt"] for f in findings)


def test_the_command_fixes_the_rules_it_is_given_as_the_user_named(seed, editor_a):
    output, status = run_command("--fix", "mixed-script", "spacing", "--user", "editor_a")

    assert status == 0
    seed.refresh_from_db()
    assert seed.last_edited_by == editor_a
    title = Initiative.objects.get(title__startswith="ＡＩ－")
    assert title.history.latest().history_user == editor_a
    assert "[エラー]" not in output and "文中の空白" not in output
    assert "表記ゆれ" in output
    assert Initiative.objects.filter(title="ＡＩ－ＯＣＲを活用した庁内業務の効率化").exists()
    assert (
        Fact.objects.get(label="契約期間").value
        == "平成29年８月１日から令和３年７月31日まで（４年間）"
    )


def test_the_command_refuses_an_unknown_rule_or_report(seed):
    with pytest.raises(CommandError, match="規則がありません"):
        run_command("--fix", "nonsense")
    with pytest.raises(CommandError, match="報告書はありません"):
        call_command("proofread", "1999", "digital-administration")


def test_the_command_fixes_without_a_user_and_keeps_the_last_editor(seed, editor_a):
    seed.last_edited_by = editor_a
    seed.save(update_fields=["last_edited_by"])

    _output, status = run_command("--fix", "mixed-script")

    assert status == 0
    assert Initiative.objects.filter(title="ＡＩ－ＯＣＲを活用した庁内業務の効率化").exists()
    seed.refresh_from_db()
    assert seed.last_edited_by == editor_a


def test_the_command_fixes_only_as_a_known_user_who_may_edit_the_report(seed, editor_b):
    with pytest.raises(CommandError, match="ユーザー「nobody」はいません"):
        run_command("--fix", "all", "--user", "nobody")
    with pytest.raises(CommandError, match=r"ユーザー「editor_b」には.*権限がありません"):
        run_command("--fix", "all", "--user", "editor_b")

    assert Initiative.objects.filter(title="ＡＩ－ОＣＲを活用した庁内業務の効率化").exists()
    seed.refresh_from_db()
    assert seed.last_edited_by is None


def test_public_search_for_ocr_finds_the_passage_written_with_a_cyrillic_o(client, seed):
    html = client.get("/search/?q=OCR").content.decode()

    assert "<mark>ＡＩ－ОＣＲ</mark>" in html or "<mark>ОＣＲ</mark>" in html
    assert 'href="/reports/2020/digital-administration/#i' in html
    assert "見つかりませんでした" not in visible_text(html)


def test_every_mistake_of_the_corpus_is_found_and_nothing_else(seed_check):
    seed_document, seed_findings = seed_check
    document, injections = corpus(seed_document)
    result = score(
        seed_document, seed_findings, document, injections, run_rules(document, RULES, Config())
    )
    for injection in result.missed:
        print("missed", injection)
    for finding in result.false:
        print("false", finding.rule, finding.place, finding.excerpt)
    assert len(injections) >= 60
    assert {i.rule for i in injections} == {r.id for r in RULES}
    assert result.recall >= 0.95 and result.precision >= 0.95
