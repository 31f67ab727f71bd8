"""Which controls an item of a form asks about, suggested from its words.

The words are cut with SudachiPy and its core dictionary (SudachiDict-core): a
maintained analyser whose dictionary is a wheel on PyPI, so nothing is downloaded at
run time (LGWAN has no internet; fugashi's UniDic is fetched by a command from the
internet), and whose normalised forms fold the spellings municipalities vary in
(ＴＬＳ/TLS, 組合せ/組み合わせ). Nothing is sent anywhere.

An item and each control (its title, its group and its words in the vocabulary)
become weighted term vectors: content words and pairs of adjacent ones, weighted by
how rare they are among the controls (tf-idf); the score is their cosine, 0 to 1.
The heading of an item (its 中項目) counts twice: it names the topic.
"""

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from sudachipy import Dictionary, SplitMode

from kakunin.catalog.loader import read_vocabulary

# Below this, a suggestion is shown but not saved without a person (the command).
THRESHOLD = 0.2
CONTENT = ("名詞", "動詞", "形容詞", "接頭辞")
# Words every item says: they tell no control from another.
STOP = frozenset(
    "為る 居る 有る 成る 行う 出来る 事 物 等 場合 こと もの ため 為 よう 様 以下 以上 "
    "実施 対策 対応 確認 管理 設定 必要 適切 以下 内容 記載 記入 回答 ご 御 お 及び "
    "又は 若しくは 並びに 上記 下記 各 等々 いる ある する なる".split()
)


@dataclass(frozen=True)
class Suggestion:
    control: str
    score: float


@lru_cache(maxsize=1)
def _tokenizer():
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def terms(text: str) -> Counter:
    """The content words of a text (normalised) and the pairs of adjacent ones."""
    words = []
    for morpheme in _tokenizer().tokenize(text or ""):
        pos = morpheme.part_of_speech()
        word = morpheme.normalized_form().casefold()
        if pos[0] in CONTENT and pos[1] != "数詞" and word not in STOP and len(word) > 1:
            words.append(word)
        else:
            words.append("")
    found = Counter(w for w in words if w)
    found.update(f"{a}+{b}" for a, b in pairwise(words) if a and b)
    return found


@dataclass
class Model:
    """The controls as vectors, and the weight of each term among them."""

    idf: dict[str, float]
    vectors: dict[str, dict[str, float]]

    @classmethod
    def build(cls, controls: list[dict]) -> "Model":
        raw = {}
        for c in controls:
            bag: Counter = Counter()
            for _ in range(2):
                bag.update(terms(c["title"]))
            bag.update(terms(c["group_title"]))
            for word in c.get("words", []):
                bag.update(terms(word))
            raw[c["key"]] = bag
        df = Counter(t for bag in raw.values() for t in bag)
        n = len(raw)
        idf = {t: math.log((n + 1) / (d + 1)) + 1 for t, d in df.items()}
        return cls(idf, {key: _weigh(bag, idf) for key, bag in raw.items()})

    def rank(self, item: dict) -> list[Suggestion]:
        """Every control with a score above zero for an item ({subsection, question,
        section, examples}), best first."""
        bag: Counter = Counter()
        for _ in range(2):
            bag.update(terms(item.get("subsection", "")))
        bag.update(terms(item.get("question", "")))
        bag.update(terms(item.get("section", "")))
        vector = _weigh(bag, self.idf)
        scores = [
            Suggestion(key, round(_cosine(vector, control), 3))
            for key, control in self.vectors.items()
        ]
        return sorted((s for s in scores if s.score > 0), key=lambda s: (-s.score, s.control))

    def suggest(self, item: dict, limit: int = 5) -> list[Suggestion]:
        return self.rank(item)[:limit]


def _weigh(bag: Counter, idf: dict[str, float]) -> dict[str, float]:
    vector = {t: (1 + math.log(n)) * idf[t] for t, n in bag.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@lru_cache(maxsize=1)
def model() -> Model:
    """The model of the vocabulary shipped (built once, in about a second)."""
    return Model.build(read_vocabulary())


def best(item: dict, threshold: float = THRESHOLD) -> Suggestion | None:
    """The one suggestion the command saves without a person: the best, if it clears
    the threshold."""
    ranked = model().suggest(item, 1)
    return ranked[0] if ranked and ranked[0].score >= threshold else None


@dataclass(frozen=True)
class Measure:
    items: int
    saved: int  # items given a control without a person (the best, above the threshold)
    precision: float  # of those saved, how many are among the person's tags
    recall: float  # of the person's tags, how many the saved ones found
    recall_at_3: float  # of the person's tags, how many are among the 3 shown first
    top1: float  # items whose best suggestion is among the person's tags


def evaluate(items: list[dict], m: Model | None = None, threshold: float = THRESHOLD) -> Measure:
    """The suggestions against a person's tags (each item's `controls`)."""
    m = m or model()
    saved = right = found = found3 = tags = top1 = 0
    for item in items:
        gold = set(item["controls"])
        ranked = m.suggest(item, 3)
        tags += len(gold)
        found3 += len(gold & {s.control for s in ranked})
        if ranked and ranked[0].control in gold:
            top1 += 1
        if ranked and ranked[0].score >= threshold:
            saved += 1
            hit = ranked[0].control in gold
            right += hit
            found += hit
    return Measure(
        items=len(items),
        saved=saved,
        precision=right / saved if saved else 0.0,
        recall=found / tags if tags else 0.0,
        recall_at_3=found3 / tags if tags else 0.0,
        top1=top1 / len(items) if items else 0.0,
    )


def titles_only() -> Model:
    """The model without the vocabulary's words: what the titles alone find."""
    return Model.build([{**c, "words": []} for c in read_vocabulary()])
