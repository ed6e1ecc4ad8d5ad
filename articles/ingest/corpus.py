"""Generate realistic seed corpora of any size, for demos, tests and benchmarks.

Files look like the real feed: several providers, overlapping topics, images, related
coverage (some of it pointing at other stories of the corpus), long and non-ASCII text, some
CRLF line endings and byte-order marks, and fields the importer does not use.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import yaml

WORDS = [
    "council",
    "city",
    "vote",
    "ban",
    "facial",
    "recognition",
    "technology",
    "police",
    "data",
    "privacy",
    "court",
    "ruling",
    "market",
    "shares",
    "climate",
    "storm",
    "energy",
    "grid",
    "school",
    "budget",
    "election",
    "senate",
    "health",
    "vaccine",
    "study",
    "researchers",
    "space",
    "launch",
    "rover",
    "startup",
    "funding",
    "chip",
    "supply",
    "chain",
    "river",
    "flood",
    "museum",
    "festival",
    "team",
    "season",
    "coach",
    "transfer",
    "bridge",
    "transit",
    "housing",
    "rent",
    "wildfire",
]
ACCENTED = ["café", "São Paulo", "Zürich", "naïve", "Ελλάδα", "東京", "Київ", "Montréal", "🚀"]
TOPICS = [
    "AI", "Computer Vision", "Privacy", "Climate", "Elections", "Health", "Space", "Markets",
    "Startups", "Semiconductors", "Transit", "Housing", "Sports", "Culture", "Education",
    "Energy", "Weather", "Courts", "Policing", "Science",
] + [f"Topic {n}" for n in range(280)]  # fmt: skip
CATEGORIES = ["news", "business", "technology", "science", "sports", "entertainment", "world"]
TYPES = ["article"] * 8 + ["video", "slideshow"]


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.3:
        picked.insert(rng.randrange(len(picked)), rng.choice(ACCENTED))
    text = " ".join(picked)
    return text[0].upper() + text[1:]


def _provider(n: int) -> dict[str, str]:
    return {"name": f"Provider {n} News", "domain": f"provider{n}.example.com"}


def _url(provider: dict[str, str], index: int) -> str:
    return f"https://{provider['domain']}/news/{index}/story-{index}"


def seed_document(index: int, total: int, rng: random.Random) -> dict:
    """The front matter of story ``index`` of a corpus of ``total`` stories."""
    provider = _provider(index % 200)
    when = dt.datetime(2021, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=37 * index)
    url = _url(provider, index)
    doc: dict = {
        "category": rng.choice(CATEGORIES),
        "title": _sentence(rng, rng.randint(6, 14)),
        "excerpt": " ".join(_sentence(rng, 12) + "." for _ in range(rng.randint(1, 6))),
        "publishedDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "originalUrl": url,
        "webUrl": url,
        "ampWebUrl": url.replace("https://", "https://amp.") if rng.random() < 0.6 else None,
        "cdnAmpWebUrl": None,
        "type": rng.choice(TYPES),
        "quality": rng.randint(0, 100),
        "heat": rng.randint(0, 100),
        "published": rng.random() < 0.7,
        "provider": provider,
        "topics": rng.sample(TOPICS[: 20 + total // 100], rng.randint(1, 4)),
        "images": [
            {
                "url": f"https://{provider['domain']}/img/{index}-{i}.jpg",
                "width": 800,
                "height": 450,
                "isCached": rng.random() < 0.5,
            }
            for i in range(rng.choice([0, 1, 1, 1, 2, 3]))
        ],
        "related": [],
        "secured": base64.b64encode(rng.randbytes(160)).decode()
        + ";"
        + base64.b64encode(rng.randbytes(16)).decode(),
    }
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        other = rng.randrange(total)
        other_provider = _provider(other % 200)
        doc["related"].append(
            {
                "title": _sentence(rng, 8),
                "excerpt": _sentence(rng, 20),
                "publishedDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "webUrl": _url(other_provider, other),
                "type": "article",
                "provider": other_provider,
                "quality": rng.randint(0, 100),
            }
        )
    if rng.random() < 0.3:
        doc["locale"] = "en-us"
        doc["updatedDateTime"] = (when + dt.timedelta(hours=2)).isoformat()
        doc["tags"] = [rng.choice(WORDS) for _ in range(3)]
    return doc


def render_seed(doc: dict, body: str = "", *, crlf: bool = False, bom: bool = False) -> bytes:
    text = (
        "---\n"
        + yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        + "---\n"
        + body
    )
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def generate_corpus(folder: Path, count: int, *, seed: int = 1) -> Iterator[Path]:
    """Write ``count`` seed files under ``folder`` (100 per sub-folder); yields their paths."""
    rng = random.Random(seed)
    for index in range(count):
        doc = seed_document(index, count, rng)
        body = "\n\n".join(_sentence(rng, 30) + "." for _ in range(3)) if index % 5 == 0 else ""
        path = folder / f"{index // 100:05d}" / f"{index:07d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_seed(doc, body, crlf=index % 7 == 0, bom=index % 11 == 0))
        yield path
