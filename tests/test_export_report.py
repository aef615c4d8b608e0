import json

import pytest
from django.core.management import CommandError, call_command

from tests.seed_facts import FACTS
from tests.text import missing_in_order, visible_text


def test_export_html_is_the_public_page(client, seed, tmp_path):
    out = tmp_path / "report.html"
    call_command("export_report", "2020", "digital-administration", format="html", output=out)

    exported = out.read_text(encoding="utf-8")
    page = client.get("/reports/2020/digital-administration/").content.decode()
    assert visible_text(exported) == visible_text(page)
    assert missing_in_order(visible_text(exported), FACTS) == []


def test_export_json_holds_the_whole_report(seed, tmp_path):
    out = tmp_path / "report.json"
    call_command("export_report", "2020", "digital-administration", format="json", output=out)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["fiscal_year"] == {"year": 2020, "label": "令和２年度"}
    assert [s["name"] for s in data["sections"]] == ["企画調整グループ", "市町村連携グループ"]
    lgwan = data["sections"][1]["initiatives"][1]
    assert lgwan["title"] == "総合行政ネットワーク（ＬＧＷＡＮ）の運営"
    amounts = lgwan["children"][0]["settlement_tables"][0]["amounts"]
    assert [(a["fiscal_year"]["year"], a["amount_yen"]) for a in amounts] == [
        (2018, 38_294_000),
        (2019, 42_969_708),
        (2020, 37_245_320),
    ]
    text = json.dumps(data, ensure_ascii=False)
    assert "2021-01-28" in text
    assert '"subsidy_yen": 5000000' in text
    assert '"code": "272167"' in text  # 河内長野市


def test_export_of_unknown_report_fails_with_a_clear_message(seed):
    with pytest.raises(CommandError, match="事務事業実績は見つかりません"):
        call_command("export_report", "2020", "nowhere", format="json")
