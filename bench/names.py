"""Benchmark name normalisation (issue 5) through the public API of transforms.names.

Usage::

    .venv/bin/python bench/names.py                      # everything, dev misses listed
    .venv/bin/python bench/names.py --show-heldout       # also list held-out misses
    .venv/bin/python bench/names.py --speed-rounds 20    # longer speed measurement
    .venv/bin/python bench/names.py --speed bench/out/corpora/c1000 [--against OLD.py]
        # names step on a generated corpus only; with --against, the same timing for another
        # copy of transforms/names.py (say, the previous version) in the same process, and a
        # check that both give identical mentions, normalized text and candidates

Reports, from ``tests/data/name_variants.csv`` (real press/reference spellings, each in a
sentence; ``split`` is ``dev`` or ``heldout`` by a hash of the spelling, fixed before any rule
was tuned):

* recall per ``source_kind`` and per split: a row counts as linked when the mentions covering
  the spelling name exactly its entity; "not in table" restricts to spellings the alias table
  does not list (after case/diacritic folding);
* contested merges: rows of a contested entity linked to the other side's entity, plus explicit
  "from X to Y" sentences for every contested pair;
* false mentions per 10,000 words on ordinary news-like text: English and Russian prose composed
  for this benchmark (no covered entity in it, every mention is false), and the English prose of
  the installed packages' metadata (READMEs), where only non-exact mentions are counted as false
  and the exact ones are listed for review;
* speed: articles per CPU second for find_mentions + normalize_text + find_name_candidates on
  ``seeds/articles/*.txt`` (warm token cache, best of rounds), and the index build time.

``--speed CORPUS_DIR`` times only the names step, called as ``process_article`` calls it, on
every article of a corpus written by ``bench/make_corpus.py`` (``*.txt`` decoded as UTF-8 with
replacement characters, each ``text`` of ``*.jsonl``): a first pass with cold caches, then the
best of ``--speed-rounds`` warm passes. ``--against`` loads another copy of the module from a
file and checks equivalence on the corpus, the sample articles, the variant sentences and the
false-mention prose before timing both.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import re
import sys
import sysconfig
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from wordfreq import zipf_frequency

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import transforms.names as names_module  # noqa: E402
from transforms.names import (  # noqa: E402
    AliasIndex,
    build_alias_index,
    find_mentions,
    find_name_candidates,
    fold,
    normalize_text,
)

ALIASES = REPO / "seeds" / "aliases.csv"
VARIANTS = REPO / "tests" / "data" / "name_variants.csv"
ARTICLES = REPO / "seeds" / "articles"
_WORD = re.compile(r"[^\W\d_]+")

# Ordinary news-like prose without any covered entity. Capitalised words near covered names are
# deliberate traps (Minsky, Medvedeva Street is not here: only names no covered entity owns).
ENGLISH_NEWS = """
Shares in Bakersfield Energy rose sharply on Monday after the company reported higher profits
than analysts had expected. The chief executive, Karen Moss, said demand for natural gas in the
Midwest had recovered faster than forecast. Analysts at Garland Partners said the rally might
not last. "Markets have a habit of running ahead of themselves," said Erin Shaw, an economist.
The economist Hyman Minsky warned decades ago that stability breeds instability, she added.
In Turin, the city council approved a plan to close the old tram depot and build a park.
Residents had campaigned for years. The mayor said construction would begin in the spring and
take about two years. Critics said the budget was too small. Martin Peskin, who chairs the
residents' association, welcomed the decision but asked for a public meeting.
The weather service issued a warning for heavy rain across the north. Rivers could burst their
banks by Thursday, forecasters said, and drivers were advised to avoid the coastal road. In
Shoreham, volunteers filled sandbags outside the library. Schools in Gary and Garfield County
will open late on Tuesday. A spokesman for the rail operator said trains would run at reduced
speed. Later in the week the temperature will drop, with frost likely in rural areas.
Football: Alan Rutter scored twice as Kirkwood beat Bernham 3-1 on Saturday. The manager,
Tom Baker, praised his young defenders. "They kept their shape," he said. Kirkwood climb to
fourth place, two points behind the leaders. Their next match is away at Georgetown on Friday.
In the courts, a judge in Alberta ruled that a bakery chain had misled customers about the
origin of its flour. The company, Tartan Bakeries, said it would appeal. The judge ordered a
fine and a public apology. Lawyers for the plaintiffs said the ruling would help small farmers.
Technology: a start-up founded by two students from Gorky Park Labs released a new app for
sharing bicycles. Investors include Moss Capital and the venture arm of Medvedeff Holdings.
The app is available in six cities. Its founders said they hoped to expand to Lisbon and Porto
next year, pending approval from regulators.
Health officials reported a rise in flu cases. The number of patients in hospital doubled in
a fortnight, according to figures published on Wednesday. Doctors urged older people to get
vaccinated. Pharmacies said supplies were adequate. Meanwhile a new clinic opened in Alden.
Culture: the festival in Edinburgh sold more tickets than ever. The organisers thanked their
volunteers. A play about a family of fishermen won the main prize. Its author, Shauna Alvey,
said she had written it in a caravan. A retrospective of the painter Ilya Repin opens at the
national gallery next month, and a new translation of Tolstoy is due in the autumn.
Food: a diner in Quebec was named best in the province for its poutine, fries with gravy and
cheese curds. The owner, Marc Tremblay, said the secret was fresh curds. Tourists queued for an
hour on Sunday. A rival in Montreal said it would compete next year.
Business: Carla Mendes, the finance director of Baltic Shipping, said freight rates were
stabilising. The company will buy four new vessels. Unions welcomed the order but warned about
pay. Talks resume on Monday. Analysts said the order book was the strongest since 2019.
Science: astronomers in Chile observed a comet passing close to the sun. The comet was first
spotted by an amateur, Alina Petrosyan-Hughes, in March. She said she was astonished. Images
were released on Tuesday and showed a long tail. The next pass will be in 2091.
Transport: the airline Sky Baltic cancelled twelve flights because of a strike by ground staff.
Passengers were offered refunds. The union said the strike would continue until Thursday. A
spokesman for the airport said queues were short. The ministry called for calm.
Education: universities reported a fall in applications from abroad. Officials blamed the cost
of visas. The head of the rectors' conference, Professor Anne Lavery, said the trend was
worrying. She asked the government to simplify the rules for students and researchers.
Property: house prices fell for the third month in a row. Estate agents in Bristol and Leeds
said buyers were waiting for lower interest rates. First-time buyers were the most cautious.
Mortgage approvals fell to their lowest level in a year, the central bank said.
Environment: a charity planted ten thousand trees along the river Avon. Volunteers included
pupils from local schools. The charity's director, Simon Garibaldi, said the trees would
reduce flooding. The council promised to plant more next winter, budget permitting.
Obituaries: the jazz pianist Moses Aliev-Brown, born in Harlem, died aged 88. He recorded more
than forty albums and taught at a conservatory for three decades. His daughter said he was
playing until the last week of his life. A memorial concert will be held in June.
Local news: the bridge over the canal at Putney will close for repairs for six weeks. A ferry
will run instead. Shopkeepers said trade would suffer. The council offered a grant to affected
businesses. Cyclists may use the footbridge, the engineers said.
"""

RUSSIAN_NEWS = """
В понедельник в Казани открылся международный форум по цифровой экономике. В нём участвуют
более двух тысяч человек. Губернатор области Иван Петров заявил, что регион готов принять
новых инвесторов. Эксперты отмечают рост интереса к технологическим компаниям.
Синоптики предупредили о сильных снегопадах в Сибири. В Новосибирске и Томске ожидается до
тридцати сантиметров снега. Водителей просят не выезжать на трассы без необходимости.
Медведь вышел к посёлку на Камчатке, сообщили местные жители. Никто не пострадал, зверя
отогнали сотрудники охотнадзора. Специалисты советуют не оставлять мусор у домов.
Футбол: «Зенит» обыграл «Спартак» со счётом два — один. Голы забили Алексей Сидоров и
Павел Лаптев. Тренер команды Андрей Крымов похвалил защитников. Следующий матч — в субботу.
Курс рубля на торгах в среду почти не изменился. Аналитики ожидают, что Центральный банк
сохранит ключевую ставку. Инфляция в стране замедлилась до семи процентов, по данным
статистиков. Эксперт Ольга Лаврентьева считает, что цены стабилизируются к весне.
В Сочи завершился кинофестиваль. Главный приз получил фильм молодого режиссёра Армена
Давтяна о жизни рыбаков. Актриса Мария Путилова получила награду за лучшую женскую роль.
Грузовики с гуманитарной помощью прибыли в Иркутск. Их встретили волонтёры. Помощь
распределят среди пострадавших от паводка. Власти обещают восстановить дороги к осени.
На Путиловском заводе в Петербурге запустили новую линию. Директор предприятия сообщил,
что она позволит увеличить выпуск продукции на треть. Рабочим повысят зарплату.
Учёные из Томска представили новый материал для батарей. По их словам, он дешевле и
безопаснее существующих. Испытания продлятся ещё год. Разработку поддержал фонд науки.
В театре кукол показали новую постановку «Золотого ключика». Карабас-Барабас в исполнении
актёра Сергея Туранова понравился детям. Спектакль будут играть до конца месяца.
Пенсионерка из Твери Анна Шуйская отметила сотый день рождения. Её поздравили соседи и
родственники. Она рассказала, что секрет долголетия — прогулки и хорошее настроение.
Автомобиль «Москвич» вновь выпускают на заводе в столице. Продажи начнутся летом.
Дилеры ожидают высокого спроса. Цена пока не объявлена, сообщил представитель компании.
В Ярославле отремонтировали старинный мост через Волгу. Движение открыли в пятницу.
Горожане жаловались на пробки во время ремонта. Мэр города поблагодарил строителей.
Библиотека имени Горького провела ночь чтения. Гости слушали стихи Пушкина и Лермонтова.
Организаторы рассказали, что пришло больше тысячи человек. Акцию решено повторить.
Хоккей: «Ак Барс» проиграл «Авангарду» в овертайме. Лучшим игроком признан вратарь
Дмитрий Алиханов. Тренер заявил, что команда сделает выводы. Серия продолжится в Омске.
Врачи Краснодара провели сложную операцию на сердце. Пациент чувствует себя хорошо.
Министерство здравоохранения края сообщило, что закупит новое оборудование для клиник.
Фермеры Кубани собрали рекордный урожай пшеницы. Элеваторы заполнены. Цены на зерно
снизились. Аграрии просят увеличить субсидии на хранение и перевозку продукции.
В Мурманске стартовал фестиваль северного сияния. Туристы приезжают со всей страны. Гостиницы
заполнены почти полностью. Экскурсоводы рассказывают о традициях народов Севера.
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def words(text: str) -> int:
    return len(_WORD.findall(text))


def linked_entities(sentence: str, variant: str, index: AliasIndex) -> set[str]:
    start = sentence.index(variant)
    end = start + len(variant)
    return {m.entity_id for m in find_mentions(sentence, index) if m.start < end and start < m.end}


def recall_report(index: AliasIndex, rows: list[dict[str, str]], show: set[str]) -> None:
    listed = {fold(row["alias"]) for row in read_csv(ALIASES)}
    contested = {e.entity_id: e.contested_with for e in index.entities}
    by_kind: dict[tuple[str, str], list[bool]] = defaultdict(list)
    merges: list[tuple[str, str]] = []
    misses: list[tuple[str, str, str, str, set[str]]] = []
    for row in rows:
        found = linked_entities(row["sentence"], row["variant"], index)
        ok = found == {row["entity_id"]}
        in_table = fold(row["variant"]) in listed
        for split in (row["split"], "all"):
            by_kind[(split, row["source_kind"])].append(ok)
            by_kind[(split, "ALL")].append(ok)
            if not in_table:
                by_kind[(split, "ALL not in table")].append(ok)
        if contested.get(row["entity_id"]) in found:
            merges.append((row["variant"], row["entity_id"]))
        if not ok:
            misses.append(
                (row["split"], row["source_kind"], row["variant"], row["entity_id"], found)
            )

    kinds = sorted({kind for _, kind in by_kind if not kind.startswith("ALL")})
    print(f"recall on {len(rows)} variant spellings (linked to exactly the right entity)")
    print(f"{'source_kind':<20}" + "".join(f"{s:>18}" for s in ("dev", "heldout", "all")))
    for kind in [*kinds, "ALL", "ALL not in table"]:
        cells = []
        for split in ("dev", "heldout", "all"):
            results = by_kind.get((split, kind), [])
            cells.append(
                f"{sum(results):>5}/{len(results):<4} {100 * sum(results) / len(results):5.1f}%"
                if results
                else f"{'-':>18}"
            )
        print(f"{kind:<20}" + "".join(f"{cell:>18}" for cell in cells))
    print(f"contested merges among variants: {len(merges)} {merges}")
    for split, kind, variant, entity_id, found in misses:
        if split in show:
            print(
                f"  miss [{split}/{kind}] {variant!r} -> {sorted(found) or '-'} (want {entity_id})"
            )


def contested_pairs(index: AliasIndex) -> None:
    merged = []
    pairs = sorted(
        {tuple(sorted((e.entity_id, e.contested_with))) for e in index.entities if e.contested_with}
    )
    names = defaultdict(list)
    for row in read_csv(ALIASES):
        names[row["entity_id"]].append(row["alias"])
    checked = 0
    for ours, theirs in pairs:
        for left in names[ours]:
            for right in names[theirs]:
                text = f"From {left} to {right}."
                found = [m.entity_id for m in find_mentions(text, index)]
                checked += 1
                if found != [ours, theirs]:
                    merged.append((left, right, found))
    print(f"contested pairs: {len(pairs)}; alias pairs checked: {checked}; wrong: {len(merged)}")
    for item in merged[:20]:
        print("  ", item)


def package_prose() -> str:
    site = Path(sysconfig.get_paths()["purelib"])
    texts = []
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        body = metadata.read_text(encoding="utf-8", errors="replace").split("\n\n", 1)
        if len(body) == 2:
            texts.append(body[1])
    return "\n\n".join(texts)


def false_mentions(index: AliasIndex) -> None:
    print("false mentions on ordinary text")
    for name, text in (
        ("composed English news", ENGLISH_NEWS),
        ("composed Russian news", RUSSIAN_NEWS),
    ):
        found = find_mentions(text, index)
        rate = 10_000 * len(found) / words(text)
        print(f"  {name}: {words(text)} words, {len(found)} false, {rate:.2f} per 10k words")
        for mention in found:
            print(f"    {mention.surface!r} -> {mention.entity_id} ({mention.match_kind})")
    prose = package_prose()
    found = find_mentions(prose, index)
    inexact = [m for m in found if m.match_kind != "exact"]
    print(
        f"  package READMEs: {words(prose)} words, {len(inexact)} non-exact (counted false), "
        f"{10_000 * len(inexact) / words(prose):.2f} per 10k words"
    )
    for (surface, entity_id, kind), count in Counter(
        (m.surface, m.entity_id, m.match_kind) for m in inexact
    ).most_common():
        print(f"    {count:>4} {surface!r} -> {entity_id} ({kind})")
    exact = Counter((m.surface, m.entity_id) for m in found if m.match_kind == "exact")
    print("    exact (review):", ", ".join(f"{s}->{e} x{n}" for (s, e), n in exact.most_common()))


def best_cpu(run: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def speed(rows: list[dict[str, str]], rounds: int) -> None:
    started = time.process_time()
    index = build_alias_index(rows)
    build = time.process_time() - started
    texts = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]

    def mentions_only() -> None:
        for text in texts:
            find_mentions(text, index)

    def all_three() -> None:
        for text in texts:
            mentions = find_mentions(text, index)
            normalize_text(text, mentions)
            find_name_candidates(text, index, mentions)

    cold = best_cpu(all_three, 1)
    print(f"speed: index build {1000 * build:.0f} ms; {len(texts)} sample articles")
    print(f"  first pass (cold token cache), all three: {len(texts) / cold:,.0f} articles/s")
    for name, run in (
        ("find_mentions", mentions_only),
        ("mentions+normalize+candidates", all_three),
    ):
        elapsed = best_cpu(run, rounds)
        print(
            f"  {name}: {len(texts) / elapsed:,.0f} articles/s "
            f"({1000 * elapsed / len(texts):.2f} ms each)"
        )


def corpus_texts(corpus: Path) -> list[str]:
    """Article texts of a generated corpus, in file order (blank ones left out)."""
    texts: list[str] = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix == ".txt":
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
        elif path.suffix == ".jsonl":
            for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    texts.append(line)
                    continue
                if isinstance(record, dict) and isinstance(record.get("text"), str):
                    texts.append(record["text"])
    return [text for text in texts if text.strip()]


def load_module(path: Path, tag: str) -> ModuleType:
    """A fresh copy of a names module (with its own caches), under its own name."""
    spec = importlib.util.spec_from_file_location(f"names_{tag}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def names_step(module: ModuleType, index: object, text: str) -> tuple[object, ...]:
    """The names step as ``process_article`` runs it on the clean text."""
    mentions = module.find_mentions(text, index)
    normalized = module.normalize_text(text, mentions)
    candidates = module.find_name_candidates(text, index, mentions)
    return mentions, normalized, candidates


# Separators around names: spaces, hyphens, initials' dots, glue (_ @ /), possessives, breaks.
_SEPARATORS = (
    *(" ", "  ", "   ", "-", " - ", "\u2013", ". ", ".", "\n", "\u00a0", "_", "@", "/"),
    *("'s ", "'da ", ", ", " (", ") ", "\t", ""),
)


def edge_case_texts(rows: list[dict[str, str]], corpus: list[str], count: int = 4000) -> list[str]:
    """Seeded random texts of aliases, their inflected/upper/lower-cased forms, initials, corpus
    words and every kind of separator: the boundaries a change to the matcher could break."""
    rng = random.Random(5)
    aliases = [row["alias"] for row in rows]
    words = [word for text in corpus[:200] for word in text.split()[:60]]
    pieces: list[Callable[[], str]] = [
        lambda: rng.choice(aliases),
        lambda: rng.choice(aliases).upper(),
        lambda: rng.choice(aliases).lower(),
        lambda: rng.choice(aliases) + rng.choice(("da", "nın", "а", "ом", "ой", "s", "i", "ი")),
        lambda: rng.choice("ABEHIKSVИСЛ") + rng.choice((".", ". ", "")),
        lambda: rng.choice(words),
        lambda: rng.choice(("iPhone", "eBay", "x", "I", "The", "However", "US", "corridor")),
    ]
    texts = []
    for _ in range(count):
        parts = [rng.choice(_SEPARATORS) if rng.random() < 0.3 else ""]
        for _ in range(rng.randint(1, 12)):
            parts.append(rng.choice(pieces)())
            parts.append(rng.choice(_SEPARATORS))
        texts.append("".join(parts))
    return texts


def check_equivalence(
    ours: ModuleType, theirs: ModuleType, rows: list[dict[str, str]], corpus: list[str]
) -> None:
    """Both modules give equal mentions, normalized text and candidates; exits on a difference."""
    our_index, their_index = ours.build_alias_index(rows), theirs.build_alias_index(rows)
    samples = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]
    sentences = [row["sentence"] for row in read_csv(VARIANTS)]
    prose = [ENGLISH_NEWS, RUSSIAN_NEWS, package_prose()]
    # Headlines and captions are matched on their own (transforms/article.py): first lines too.
    lines = [text.strip().split("\n", 1)[0] for text in corpus]
    groups = {
        "composed edge-case texts": edge_case_texts(rows, corpus),
        "corpus articles": corpus,
        "corpus first lines": lines,
        "sample articles": samples,
        "variant sentences": sentences,
        "prose texts": prose,
    }
    for name, texts in groups.items():
        for text in texts:
            if names_step(ours, our_index, text) != names_step(theirs, their_index, text):
                raise SystemExit(f"DIFFERENT output ({name}) for text starting {text[:80]!r}")
        print(f"  identical: {len(texts)} {name}")


def corpus_speed(corpus_dir: Path, rounds: int, against: Path | None) -> None:
    rows = read_csv(ALIASES)
    texts = corpus_texts(corpus_dir)
    size = sum(map(len, texts)) / max(1, len(texts))
    current = Path(names_module.__file__ or "")
    if against is not None:
        print(f"equivalence with {against}:")
        check_equivalence(load_module(current, "check"), load_module(against, "check"), rows, texts)
    print(f"names step on {len(texts)} articles of {corpus_dir} ({size:,.0f} characters each)")
    for language in ("en", "ru"):  # wordfreq loads its tables on first use: not part of either
        zipf_frequency("warm", language)
    # Fresh copies, so each first pass starts with cold caches.
    modules = [("current", load_module(current, "speed"))]
    if against is not None:
        modules.append((f"against {against.name}", load_module(against, "speed")))
    for name, module in modules:
        index = module.build_alias_index(rows)

        def run(module: ModuleType = module, index: object = index) -> None:
            for text in texts:
                names_step(module, index, text)

        cold = best_cpu(run, 1)
        warm = best_cpu(run, rounds)
        print(
            f"  {name}: first pass {len(texts) / cold:,.0f} articles/s "
            f"({1000 * cold / len(texts):.2f} ms each); warm best of {rounds} "
            f"{len(texts) / warm:,.0f} articles/s ({1000 * warm / len(texts):.2f} ms each)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-heldout", action="store_true", help="also list held-out misses")
    parser.add_argument("--speed-rounds", type=int, default=10)
    parser.add_argument(
        "--speed", type=Path, metavar="CORPUS_DIR", help="only time the names step on a corpus"
    )
    parser.add_argument(
        "--against", type=Path, metavar="NAMES_PY", help="with --speed: compare with this copy"
    )
    args = parser.parse_args()
    if args.speed is not None:
        corpus_speed(args.speed, args.speed_rounds, args.against)
        return
    alias_rows = read_csv(ALIASES)
    index = build_alias_index(alias_rows)
    print(
        f"alias table: {len({r['entity_id'] for r in alias_rows})} entities, {len(alias_rows)} rows"
    )
    show = {"dev", "heldout"} if args.show_heldout else {"dev"}
    recall_report(index, read_csv(VARIANTS), show)
    contested_pairs(index)
    false_mentions(index)
    speed(alias_rows, args.speed_rounds)


if __name__ == "__main__":
    main()
