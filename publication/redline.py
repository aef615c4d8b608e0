"""What changed between two versions of a report: the redline an approver reads before
publishing, and the public reads in 改訂履歴.

Both versions are the machine-readable form of a report (``serializers.report_data``): an
edition's frozen ``data``, or a draft's current tree serialised the same way. Text is compared
character by character, since Japanese has no spaces to split words at; a change is shown
inside its sentence. Amounts are shown old → new. Initiatives are matched across the versions
by their title (untitled passages by the likeness of their text), so that one moved to another
place or order is reported as moved, not as removed and added.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from organisation import notation

SENTENCE_ENDS = "。\n"
# Untitled passages are the same passage when this much of their text is alike.
SAME_PASSAGE_RATIO = 0.5

KIND_LABELS = {
    "text": "文の変更",
    "amount": "金額の変更",
    "added": "追加",
    "removed": "削除",
    "moved": "移動",
}
AMOUNT_KINDS = {"settlement": "決算額", "budget": "予算額"}


@dataclass
class Change:
    """One difference. ``sentences`` (text changes) are lists of ``(op, text)`` pieces, op
    being ``=`` (kept), ``-`` (deleted) or ``+`` (inserted)."""

    kind: str
    where: str
    label: str = ""
    old: str = ""
    new: str = ""
    sentences: list = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


# Text by character


def pieces(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` as kept, deleted and inserted runs of characters."""
    out = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("=", old[i1:i2]))
            continue
        if i2 > i1:
            out.append(("-", old[i1:i2]))
        if j2 > j1:
            out.append(("+", new[j1:j2]))
    return out


def changed_sentences(old: str, new: str) -> list[list[tuple[str, str]]]:
    """The sentences of ``old`` → ``new`` that hold a change, each as its pieces."""
    sentences, current = [], []
    for op, text in pieces(old, new):
        if op != "=":
            current.append((op, text))
            continue
        start = 0
        for index, char in enumerate(text):
            if char in SENTENCE_ENDS:
                current.append(("=", text[start : index + 1]))
                sentences.append(current)
                current, start = [], index + 1
        if start < len(text):
            current.append(("=", text[start:]))
    sentences.append(current)
    return [
        [(op, text.strip("\n") if op == "=" else text) for op, text in s]
        for s in sentences
        if any(op != "=" for op, _ in s)
    ]


# The report as a flat list of initiatives


@dataclass
class Item:
    index: int
    section: str
    parent: int | None  # index of the parent initiative; None at the top of a section
    position: int
    data: dict
    path: str

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def text(self) -> str:
        return f"{self.data['title']}\n{self.data['body']}"


def heading(node: dict) -> str:
    title = node["title"] or (node["body"][:20] + "…" if node["body"] else "（見出しなし）")
    return f"{node['marker']}\u3000{title}" if node["marker"] else title


def flatten(data: dict) -> list[Item]:
    items: list[Item] = []

    def walk(nodes, section, parent, path):
        for position, node in enumerate(nodes):
            item = Item(len(items), section, parent, position, node, f"{path} ＞ {heading(node)}")
            items.append(item)
            walk(node["children"], section, item.index, item.path)

    for section in data["sections"]:
        walk(section["initiatives"], section["name"], None, section["name"])
    return items


def match(old: list[Item], new: list[Item]) -> dict[int, int]:
    """Old index → new index of the initiatives present in both versions."""
    pairs: dict[int, int] = {}
    by_title: dict[tuple, list[Item]] = {}
    for item in old:
        if item.title:
            by_title.setdefault((item.section, item.title), []).append(item)
    for item in new:
        candidates = by_title.get((item.section, item.title)) if item.title else None
        if candidates:
            pairs[candidates.pop(0).index] = item.index
    # Sections renamed or initiatives moved between sections: by title alone.
    taken = set(pairs.values())
    loose: dict[str, list[Item]] = {}
    for item in old:
        if item.title and item.index not in pairs:
            loose.setdefault(item.title, []).append(item)
    for item in new:
        if item.title and item.index not in taken and loose.get(item.title):
            pairs[loose[item.title].pop(0).index] = item.index
            taken.add(item.index)
    # Untitled passages: the most alike first.
    untitled_old = [i for i in old if not i.title and i.index not in pairs]
    untitled_new = [i for i in new if not i.title and i.index not in taken]
    likeness = sorted(
        (
            (SequenceMatcher(None, a.data["body"], b.data["body"], autojunk=False).ratio(), a, b)
            for a in untitled_old
            for b in untitled_new
        ),
        key=lambda t: -t[0],
    )
    for ratio, a, b in likeness:
        if ratio >= SAME_PASSAGE_RATIO and a.index not in pairs and b.index not in taken:
            pairs[a.index] = b.index
            taken.add(b.index)
    return pairs


def _longest_common(sequence: list[int]) -> set[int]:
    """The longest increasing run (not necessarily contiguous) of ``sequence``: the items
    that kept their order."""
    best: list[list[int]] = []
    for value in sequence:
        longest = max((run for run in best if run[-1] < value), key=len, default=[])
        best.append([*longest, value])
    return set(max(best, key=len, default=[]))


def moved(old: list[Item], new: list[Item], pairs: dict[int, int]) -> list[int]:
    """Old indexes of the initiatives that moved: to another parent, or out of order among
    the siblings that stayed with them."""
    result = []
    siblings: dict[tuple, list[tuple[int, int]]] = {}
    for o, n in pairs.items():
        before, after = old[o], new[n]
        if before.parent is None or after.parent is None:
            same_parent = before.parent is after.parent and before.section == after.section
        else:
            same_parent = pairs.get(before.parent) == after.parent
        if not same_parent:
            result.append(o)
        else:
            siblings.setdefault((after.section, after.parent), []).append((after.position, o))
    for group in siblings.values():
        old_order = [o for _, o in sorted(group)]
        kept = _longest_common(old_order)
        result += [o for o in old_order if o not in kept]
    return sorted(result)


# Blocks of an initiative


def _yen(amount) -> str:
    return notation.yen(amount) if amount is not None else "－"


def _figure(f: dict) -> str:
    value = notation.comma(f["value"]) if isinstance(f["value"], int) else str(f["value"])
    return f"{'約' if f['approximate'] else ''}{value}{f['unit']}"


def _event(e: dict) -> str:
    parts = [e["title"], e["starts_on"], e["ends_on"] or "", e["venue"], e["cohosts"]]
    counts = [
        f"{e['organisations']}団体" if e["organisations"] else "",
        f"{e['participants']}名" if e["participants"] else "",
    ]
    return "　".join(p for p in [*parts, "".join(counts), e["description"]] if p)


def blocks(node: dict) -> dict[tuple, tuple[str, str, str]]:
    """An initiative's blocks by key: (label, kind, value), kind ``text`` or ``amount``."""
    out: dict[tuple, tuple[str, str, str]] = {}
    for f in node["facts"]:
        out[("fact", f["label"])] = (f["label"], "text", f["value"])
    for f in node["figures"]:
        out[("figure", f["label"], f["qualifier"])] = (f["label"], "amount", _figure(f))
    for n, e in enumerate(node["events"]):
        out[("event", e["title"] or n)] = (f"開催実績 {e['title']}".strip(), "text", _event(e))
    for table in node["settlement_tables"]:
        for a in table["amounts"]:
            year = a["fiscal_year"]["label"] + (
                f"（{a['period_label']}）" if a["period_label"] else ""
            )
            label = f"{table['item_name']} {AMOUNT_KINDS.get(a['kind'], a['kind'])} {year}"
            key = ("amount", table["item_code"], a["fiscal_year"]["year"], a["kind"])
            out[(*key, a["period_label"])] = (label, "amount", _yen(a["amount_yen"]))
    for c in node["contracts"]:
        out[("contract", c["title"])] = (
            f"契約 {c['title']}",
            "text",
            f"{c['vendor']}　{c['starts']}～{c['ends']}",
        )
        out[("contract amount", c["title"])] = (
            f"契約金額 {c['title']}",
            "amount",
            _yen(c["amount_yen"]) + ("（税込）" if c["tax_included"] else ""),
        )
    for table in node["subsidy_awards"]:
        for a in table["awards"]:
            names = "・".join(m["name"] for m in a["municipalities"])
            key = (table["programme"], table["fiscal_year"]["year"], a["title"])
            out[("award", *key)] = (f"採択事業 {names}", "text", a["title"])
            out[("subsidy", *key)] = (f"補助額 {a['title']}", "amount", _yen(a["subsidy_yen"]))
            out[("total cost", *key)] = (
                f"総事業費 {a['title']}",
                "amount",
                _yen(a["total_cost_yen"]),
            )
    for n, text in enumerate(node["notes"]):
        out[("note", n)] = ("注記", "text", text)
    return out


def _block_changes(where: str, old: dict, new: dict) -> list[Change]:
    changes = []
    before, after = blocks(old), blocks(new)
    for key, (label, kind, value) in after.items():
        if key not in before:
            changes.append(Change("added", where, label, new=value))
            continue
        old_value = before[key][2]
        if old_value == value:
            continue
        if kind == "amount":
            changes.append(Change("amount", where, label, old=old_value, new=value))
        else:
            changes.append(
                Change("text", where, label, old_value, value, changed_sentences(old_value, value))
            )
    for key, (label, _, value) in before.items():
        if key not in after:
            changes.append(Change("removed", where, label, old=value))
    return changes


def _text_changes(where: str, old: dict, new: dict) -> list[Change]:
    changes = []
    for name, label in (("title", "見出し"), ("body", "本文")):
        if old[name] != new[name]:
            changes.append(
                Change(
                    "text",
                    where,
                    label,
                    old[name],
                    new[name],
                    changed_sentences(old[name], new[name]),
                )
            )
    if old["is_new"] != new["is_new"]:
        flag = ("【新規】あり", "【新規】なし")
        changes.append(
            Change("text", where, "【新規】", flag[not old["is_new"]], flag[not new["is_new"]])
        )
    return changes


def compare(old_data: dict, new_data: dict) -> list[Change]:
    """What changed from ``old_data`` to ``new_data``, in the order of the new version (what
    was removed last)."""
    old, new = flatten(old_data), flatten(new_data)
    pairs = match(old, new)
    moves = set(moved(old, new, pairs))
    back = {n: o for o, n in pairs.items()}
    changes: list[Change] = []
    for item in new:
        if item.index not in back:
            # An added initiative is one change, with whatever it holds.
            if item.parent is None or item.parent in back:
                changes.append(Change("added", item.path, "取組", new=item.data["body"]))
            continue
        before = old[back[item.index]]
        if before.index in moves:
            changes.append(Change("moved", item.path, "取組", old=before.path, new=item.path))
        changes += _text_changes(item.path, before.data, item.data)
        changes += _block_changes(item.path, before.data, item.data)
    changes += [
        Change("removed", item.path, "取組", old=item.data["body"])
        for item in old
        if item.index not in pairs and (item.parent is None or item.parent in pairs)
    ]
    return changes
