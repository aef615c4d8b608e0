"""Every persona, every admin page, no error.

As the editor of A, the approver of A, the editor of B and an administrator: every admin URL
reachable from the index (lists, add, the change page of one object per model, history,
delete confirmation, custom views linked from those pages, the confirmation page of each list
action) is opened, and each form on it is submitted again unchanged as a browser would. No
answer may be 400 or 5xx. Pages also must not offer editors raw id inputs, nor English.
"""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.contrib import admin

from tests.forms import form_data

ADMIN_LINK = re.compile(r'href="(/admin/[^"#]*)"')
FORM = re.compile(r"<form\b[^>]*>", re.S)
SKIP = (
    "/admin/logout/",
    "/admin/password_change/",  # a resubmit would change the persona's password
    "/admin/jsi18n/",
)
ENGLISH = ["Remove", "Access attempts", "Task Results", "Tasks Database Backend", "AXES"]


def _links(html: str) -> set[str]:
    return {unescape(link) for link in ADMIN_LINK.findall(html)}


def _page_urls(client) -> list[str]:
    """The index, every list linked from it, and from each list its add page, the change,
    history and delete pages of its first object, and the links on those pages (for a report,
    the editor its change page opens: every node's and block's own forms)."""
    index = client.get("/admin/").content.decode()
    seen = {"/admin/"}
    lists = sorted(
        link
        for link in _links(index)
        if re.fullmatch(r"/admin/\w+/\w+/(dashboard/)?", urlsplit(link).path)
    )
    seen.update(lists)
    for url in lists:
        html = client.get(url).content.decode()
        seen.update(link for link in _links(html) if link.endswith("/add/"))
        change = sorted(link for link in _links(html) if re.search(r"/\d+/change/$", link))
        if change:
            first = change[0]
            base = first.removesuffix("change/")
            seen.update([first, base + "history/", base + "delete/"])
            page = client.get(first, follow=True).content.decode()
            seen.update(
                link for link in _links(page) if link.startswith(base) and not link.endswith(".pdf")
            )
    return sorted(u for u in seen if not u.startswith(SKIP))


def _forms(html: str) -> list[str | None]:
    """The ids of the forms on a page that submit by POST to the page itself."""
    ids = []
    for tag in FORM.findall(html):
        if 'method="post"' not in tag.lower():
            continue
        action = re.search(r'action="([^"]*)"', tag)
        if action and action.group(1) not in ("", "."):
            continue
        found = re.search(r'id="([^"]+)"', tag)
        ids.append(found.group(1) if found else None)
    return ids


def _actions(client, url: str, html: str) -> list[tuple[str, dict]]:
    """The list actions of a changelist, each posted for its first row (the confirmation
    page of those that ask, such as deleting)."""
    rows = re.findall(r'name="_selected_action" value="([^"]+)"', html)
    if not rows:
        return []
    names = re.findall(
        r'<option value="(\w+)">', html.split('name="action"', 1)[-1].split("</select>", 1)[0]
    )
    return [(name, {"action": name, "_selected_action": rows[0], "index": "0"}) for name in names]


def walk(client, persona: str) -> tuple[int, int, list[str]]:
    """(URLs opened, requests made, failures) of one persona's walk."""
    failures, walked = [], 0
    urls = _page_urls(client)
    for url in urls:
        response = client.get(url)
        walked += 1
        if response.status_code == 400 or response.status_code >= 500:
            failures.append(f"{persona} GET {url}: {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue  # redirects, refusals (403/404) and downloads
        html = response.content.decode()
        if "vForeignKeyRawIdAdminField" in html and persona != "administrator":
            failures.append(f"{persona} GET {url}: a raw id input")
        for word in ENGLISH:
            if re.search(rf">\s*{re.escape(word)}\s*<", html):
                failures.append(f"{persona} GET {url}: English “{word}”")
        for form_id in _forms(html):
            if url.endswith("/delete/"):
                continue  # confirming a deletion is not an unchanged resubmit
            posted = client.post(url, form_data(html, form_id))
            walked += 1
            if posted.status_code == 400 or posted.status_code >= 500:
                failures.append(f"{persona} POST {url} ({form_id}): {posted.status_code}")
        for name, data in _actions(client, url, html):
            if name == "delete_selected":
                posted = client.post(url, data)
                walked += 1
                if posted.status_code == 400 or posted.status_code >= 500:
                    failures.append(f"{persona} action {name} {url}: {posted.status_code}")
    return len(urls), walked, failures


@pytest.fixture
def personas(editor_a, approver_a, editor_b, administrator):
    return {
        "editor_a": editor_a,
        "approver_a": approver_a,
        "editor_b": editor_b,
        "administrator": administrator,
    }


def test_every_persona_opens_and_resubmits_every_admin_page_without_error(
    client, seed, personas, settings
):
    urls = requests = 0
    failures = []
    client.raise_request_exception = False  # a 500 is a finding, not the end of the walk
    for persona, user in personas.items():
        client.force_login(user)
        opened, walked, found = walk(client, persona)
        urls, requests = urls + opened, requests + walked
        failures += found
    print(
        f"\npersona walk: {urls} URLs, {requests} requests (GET and resubmit) over "
        f"{len(personas)} personas"
    )

    assert not failures, "\n".join(failures)


def test_third_party_apps_show_japanese_names(client, administrator):
    client.force_login(administrator)

    html = client.get("/admin/").content.decode()

    assert "ログイン制限" in html and "バックグラウンド処理" in html
    for word in ENGLISH:
        assert word not in html


def test_login_lockout_page_is_japanese(client, db):
    from django.contrib.auth.models import User

    User.objects.create_user("staff", "s@example.invalid", "right", is_staff=True)
    for _ in range(6):
        response = client.post("/admin/login/", {"username": "staff", "password": "wrong"})

    assert response.status_code == 429
    assert "ログインを一時的に止めています" in response.content.decode()
    assert "text/html" in response["Content-Type"]


def test_registered_admins_use_no_raw_id_inputs():
    assert [type(a).__name__ for a in admin.site._registry.values() if a.raw_id_fields] == []
