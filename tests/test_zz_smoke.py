def test_smoke(client, seed, editor_a):
    client.force_login(editor_a)
    r = client.get(f"/admin/reports/report/{seed.pk}/editor/")
    assert r.status_code == 200, r.content[:3000]
    open("/tmp/ed/editor.html", "wb").write(r.content)
    print(len(r.content))
