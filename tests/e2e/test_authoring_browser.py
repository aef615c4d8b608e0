"""Writing a report from nothing in the report editor, in Chromium: an editor (not a superuser)
creates the 令和３年度 report of the division, fills it, reorders it and submits it; an approver
publishes it; the public page and the PDF show it in that order with generated markers."""

import io
import re

from pypdf import PdfReader

from budgets.models import SettlementAmount
from organisation.models import DivisionRole, Unit
from reports.models import Report
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS
from tests.text import missing_in_order, squash

# Publishing renders the PDF inside the request here (immediate tasks): allow for that.
PUBLISH_MS = 120_000


def _person(django_user_model, username, division, role):
    user = django_user_model.objects.create_user(username, f"{username}@example.invalid", "pw-1")
    DivisionRole.objects.create(user=user, division=division, role=role)
    return user


class Session:
    """One person's browser tab, counting the pages it loads."""

    def __init__(self, browser, live_server):
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.loads = 0
        self.page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def login(self, user):
        page = self.page
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", "pw-1")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")

    def save(self, anchor: str) -> str:
        """Press 保存 and wait for the editor at the new node (``i12``) or block
        (``b-facts-7``); returns its id."""
        self.page.get_by_role("button", name="保存").click()
        self.page.wait_for_url(re.compile(rf"/editor/#{anchor}\d+$"))
        return self.page.url.rsplit("#", 1)[1]

    def node_action(self, anchor: str, name: str):
        self.page.locator(f"#{anchor} > .editor-tools").get_by_role(
            "link", name=name, exact=True
        ).click()

    def add_initiative(self, anchor: str, action: str, title: str, body: str = "") -> str:
        self.node_action(anchor, action)
        self.page.fill("#id_title", title)
        if body:
            self.page.fill("#id_body", body)
        return self.save("i")

    def add_block(self, anchor: str, kind: str, **fields) -> None:
        self.page.locator(f"#{anchor} > .editor-add").get_by_role(
            "link", name=kind, exact=True
        ).click()
        for name, value in fields.items():
            field = self.page.locator(f"#id_{name}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        self.save("b-[a-z]+-")


def test_editor_writes_a_report_from_nothing_and_an_approver_publishes_it(
    seed, browser, live_server, django_user_model, immediate_tasks
):
    division = seed.division
    editor = _person(django_user_model, "editor_a", division, DivisionRole.Role.EDITOR)
    approver = _person(django_user_model, "approver_a", division, DivisionRole.Role.APPROVER)

    writer = Session(browser, live_server)
    page = writer.page
    writer.login(editor)
    page.goto("/admin/reports/report/")
    page.get_by_role("link", name="事務事業実績 を追加").click()
    page.select_option("#id_fiscal_year", label="令和３年度")
    page.select_option("#id_division", label=division.name)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/editor/")
    report = Report.objects.get(fiscal_year__year=2021, division=division)

    # Two groups.
    page.get_by_role("link", name="グループを追加", exact=True).click()
    page.fill("#id_name", "企画グループ")
    planning = writer.save("s")
    page.get_by_role("link", name="グループを追加", exact=True).click()
    page.fill("#id_name", "連携グループ")
    liaison = writer.save("s")

    # Three levels of initiatives, a 決算額 table in 千円 with a paragraph after it, an event.
    top = writer.add_initiative(planning, "取組を追加", "電子申請の推進")
    middle = writer.add_initiative(
        top, "中に追加", "オンライン化の拡大", "申請のオンライン化を進めた。"
    )
    leaf = writer.add_initiative(middle, "中に追加", "手続の棚卸")
    writer.add_block(
        middle,
        "決算額・予算額の表",
        new_item="電子申請システム運用経費",
        unit="thousand",
        settlement_2019_amount="4,980",
        settlement_2020_amount="5,100",
        settlement_2021_amount="5,318",
    )
    writer.add_block(middle, "文章", text="表のあとの段落：経費は前年度並みだった。")
    writer.add_block(
        leaf,
        "開催実績",
        title="電子申請説明会",
        starts_on="2022-01-28",
        venue="Web配信",
        organisations="31",
        participants="49",
    )
    writer.add_block(
        leaf,
        "表",
        caption="購入物品",
        unit="円",
        columns_text="品名\n数量:数値\n金額:金額",
        rows_text="タブレット\t10\t1200000\nペン\t100\t15000",
    )

    # Two initiatives in the second group, then the second moved above the first.
    first = writer.add_initiative(liaison, "取組を追加", "市町村との会議")
    second = writer.add_initiative(first, "下に追加", "セキュリティ研修")
    page.locator(f"#{second} > .editor-tools").get_by_role("button", name="上へ").click()
    page.wait_for_url(re.compile(rf"/editor/#{second}$"))
    page.locator(".messagelist").get_by_text("並び順を変えました。").wait_for()

    # Submit.
    page.get_by_role("link", name="確認依頼を出す").click()
    page.fill("#id_comment", "令和３年度分を作成しました。")
    page.get_by_role("button", name="確認依頼を出す").click()
    page.wait_for_url("**/editor/")
    page.locator(".report-status").get_by_text("確認依頼").wait_for()

    # An approver publishes.
    reviewer = Session(browser, live_server)
    reviewer.login(approver)
    reviewer.page.goto(f"/admin/reports/report/{report.pk}/change/")
    reviewer.page.wait_for_url("**/editor/")
    reviewer.page.get_by_role("link", name="公開する").click()
    reviewer.page.get_by_role("button", name="公開する").click(timeout=PUBLISH_MS)
    reviewer.page.wait_for_url("**/editor/", timeout=PUBLISH_MS)
    reviewer.page.get_by_text("第1版を公開しました。").wait_for()

    amount = SettlementAmount.objects.get(
        item__name="電子申請システム運用経費", fiscal_year__year=2021
    )
    assert (amount.amount, amount.unit) == (5318, Unit.THOUSAND_YEN)

    expected = [
        "企画グループ",
        "１ 電子申請の推進",
        "(1) オンライン化の拡大",
        "申請のオンライン化を進めた。",
        "電子申請システム運用経費（単位：千円）",
        "令和元年度",
        "令和３年度",
        "4,980",
        "5,100",
        "5,318",
        "表のあとの段落：経費は前年度並みだった。",
        "〇 手続の棚卸",
        "電子申請説明会",
        "令和４年１月28日",
        "Web配信",
        "31団体49名",
        "購入物品（単位：円）",
        "タブレット",
        "1,200,000",
        "連携グループ",
        "１ セキュリティ研修",
        "２ 市町村との会議",
    ]
    public = Session(browser, live_server)
    public.page.goto("/reports/2021/digital-administration/")
    text = public.page.locator("main").inner_text()
    assert missing_in_order(text, expected) == []

    pdf = public.page.request.get("/reports/2021/digital-administration.pdf")
    assert pdf.ok, pdf.status
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert missing_in_order(pdf_text, expected) == []
    assert squash("１セキュリティ研修") in squash(pdf_text)

    loads = writer.loads + reviewer.loads + public.loads
    print(
        f"\n作成から公開までのページ読み込み：{loads}回"
        f"（編集者 {writer.loads}、承認者 {reviewer.loads}、公開ページ {public.loads}）"
    )
