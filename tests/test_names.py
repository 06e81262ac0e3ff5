"""Name normalisation (issue 5): spellings → entities, precision guards, table integrity."""

from __future__ import annotations

import csv
import itertools
import pickle
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.names import (
    AliasIndex,
    build_alias_index,
    clear_caches,
    find_mentions,
    find_name_candidates,
    fold,
    normalize,
    normalize_text,
    translit_key,
)

REPO = Path(__file__).parents[1]
ALIASES_CSV = REPO / "seeds" / "aliases.csv"
ARTICLES = REPO / "seeds" / "articles"


def _read_rows() -> list[dict[str, str]]:
    with ALIASES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _read_rows()
INDEX: AliasIndex = build_alias_index(ROWS)


def _entities_in(text: str) -> list[tuple[str, str, str]]:
    return [(m.surface, m.entity_id, m.match_kind) for m in find_mentions(text, INDEX)]


def _article(prefix: str) -> str:
    (path,) = ARTICLES.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# --- spellings in a sentence ----------------------------------------------------------------

VARIANTS = [
    # (surface, entity, match_kind)
    ("Garabagh", "plc_karabakh", "exact"),
    ("Karabakh", "plc_karabakh", "exact"),
    ("Garabakh", "plc_karabakh", "exact"),
    ("Qarabağ", "plc_karabakh", "exact"),
    ("Карабах", "plc_karabakh", "exact"),
    ("KARABAKH", "plc_karabakh", "folded"),
    ("Qarabag", "plc_karabakh", "folded"),
    ("Gharabakh", "plc_karabakh", "transliterated"),
    ("Qarabagh", "plc_karabakh", "transliterated"),
    ("Daghlig Garabagh", "plc_nagorno_karabakh", "exact"),
    ("Nagorno-Karabakh", "plc_nagorno_karabakh", "exact"),
    ("Nagorno Karabakh", "plc_nagorno_karabakh", "exact"),
    ("Dağlıq Qarabağ", "plc_nagorno_karabakh", "exact"),
    ("Nagorno-Karabagh", "plc_nagorno_karabakh", "transliterated"),
    ("Shoigu", "per_sergey_shoigu", "exact"),
    ("Şoyqu", "per_sergey_shoigu", "exact"),
    ("Шойгу", "per_sergey_shoigu", "exact"),
    ("Şoygu", "per_sergey_shoigu", "transliterated"),
    ("Schoigu", "per_sergey_shoigu", "transliterated"),
    ("Sergei Shoygu", "per_sergey_shoigu", "transliterated"),
    ("Shainoglu", "per_elkhan_shahinoglu", "exact"),
    ("Elhan Shainoglu", "per_elkhan_shahinoglu", "exact"),
    ("Elkhan Shahinoglu", "per_elkhan_shahinoglu", "exact"),
    ("Sahinoglu", "per_elkhan_shahinoglu", "folded"),
    ("Shakhinoglu", "per_elkhan_shahinoglu", "transliterated"),
    ("Shahinolgu", "per_elkhan_shahinoglu", "fuzzy"),
    ("Elkhan Shakhinoglu", "per_elkhan_shahinoglu", "transliterated"),
    ("Kalbajar", "plc_kalbajar", "exact"),
    ("Kəlbəcər", "plc_kalbajar", "exact"),
    ("Kelbadjar", "plc_kalbajar", "transliterated"),
    ("Hikmet Gadjiev", "per_hikmet_hajiyev", "transliterated"),
    ("Hajiev", "per_hikmet_hajiyev", "transliterated"),
    ("Jeyhun Bairamov", "per_jeyhun_bayramov", "transliterated"),
    ("Mirzoian", "per_ararat_mirzoyan", "transliterated"),
    ("Pachinian", "per_nikol_pashinyan", "transliterated"),  # French ch = sh
    ("Kobachidze", "per_irakli_kobakhidze", "transliterated"),  # German ch = kh
    ("Serghey Lavrov", "per_sergey_lavrov", "exact"),
    ("Sergej Lawrow", "per_sergey_lavrov", "transliterated"),  # German j = y, w = v
    ("Erdoghan", "per_recep_tayyip_erdogan", "transliterated"),
    ("Khodjaly", "plc_khojaly", "transliterated"),
    ("Nakhchyvan", "plc_nakhchivan", "transliterated"),
    ("Shushа", "plc_shusha", "transliterated"),  # Cyrillic а, a scraper homoglyph
    ("Bakou", "plc_baku", "exact"),
    ("Baki", "plc_baku", "folded"),
    ("Milli Medjlis", "org_milli_majlis", "transliterated"),
    ("Radio Azadliq", "org_radio_azadlig", "folded"),
    # German, French and Polish press conventions, not listed in the table
    ("Jerewan", "plc_yerevan", "transliterated"),
    ("Aserbaidschan", "plc_azerbaijan", "transliterated"),
    ("Charkiw", "plc_kharkiv", "transliterated"),
    ("Ilham Alijew", "per_ilham_aliyev", "transliterated"),
    ("Vladimir Poutine", "per_vladimir_putin", "transliterated"),
    ("Siergiej Ławrow", "per_sergey_lavrov", "transliterated"),
    ("Szojgu", "per_sergey_shoigu", "transliterated"),
    # Armenian and Georgian script
    ("Նիկոլ Փաշինյան", "per_nikol_pashinyan", "transliterated"),
    ("Ստեփանակերտ", "plc_stepanakert", "transliterated"),
    ("Շուշի", "plc_shushi", "transliterated"),
    ("ილჰამ ალიევი", "per_ilham_aliyev", "transliterated"),
    ("თბილისი", "plc_tbilisi", "transliterated"),
    # typos in short names: a dropped letter or two swapped neighbours
    ("Tbilsi", "plc_tbilisi", "fuzzy"),
    ("Yerevn", "plc_yerevan", "fuzzy"),
    ("Armneia", "plc_armenia", "fuzzy"),
]


@pytest.mark.parametrize(("surface", "entity_id", "match_kind"), VARIANTS)
def test_variant_in_a_sentence_links_to_its_entity(
    surface: str, entity_id: str, match_kind: str
) -> None:
    text = f"On Monday {surface} was discussed again."
    (mention,) = find_mentions(text, INDEX)
    assert (mention.entity_id, mention.match_kind) == (entity_id, match_kind)
    assert mention.surface == surface == text[mention.start : mention.end]


def test_apostrophe_endings_stay_outside_the_surface() -> None:
    text = "Karabakh's future, Putin’s plan, Karabağ'da barış"
    assert [(m.surface, m.match_kind) for m in find_mentions(text, INDEX)] == [
        ("Karabakh", "exact"),
        ("Putin", "exact"),
        ("Karabağ", "exact"),
    ]
    assert normalize_text(text, find_mentions(text, INDEX)) == (
        "Karabakh's future, Vladimir Putin’s plan, Karabakh'da barış"
    )


INFLECTED = [
    # (text, surface, entity): case endings glued to the name; the surface is the whole word
    ("Qarabağda sülh", "Qarabağda", "plc_karabakh"),
    ("Karabagha qayıdış", "Karabagha", "plc_karabakh"),
    ("Bakının küçələri", "Bakının", "plc_baku"),
    ("в Карабахе мир", "Карабахе", "plc_karabakh"),
    ("заявление Лаврова было", "Лаврова", "per_sergey_lavrov"),
    ("встреча с Лавровым прошла", "Лавровым", "per_sergey_lavrov"),
    ("в Нагорном Карабахе", "Нагорном Карабахе", "plc_nagorno_karabakh"),
    ("в Южной Осетии", "Южной Осетии", "plc_south_ossetia"),
    ("из Армении", "Армении", "plc_armenia"),
    ("Paşinyanla görüş", "Paşinyanla", "per_nikol_pashinyan"),
    ("Ərdoğanla danışıq", "Ərdoğanla", "per_recep_tayyip_erdogan"),
    ("Dağlıq Qarabağda", "Dağlıq Qarabağda", "plc_nagorno_karabakh"),
    ("Kəlbəcərə qayıdış", "Kəlbəcərə", "plc_kalbajar"),
    ("Şahinoğlunun fikri", "Şahinoğlunun", "per_elkhan_shahinoglu"),
    ("Die Rede Putins dauerte", "Putins", "per_vladimir_putin"),
    ("лидер Грузинской мечты", "Грузинской мечты", "org_georgian_dream"),
    ("Zəngəzur dəhlizinin tikintisi", "Zəngəzur dəhlizinin", "plc_zangezur_corridor"),
    ("в Государственной думы", "Государственной думы", "org_state_duma"),
]


@pytest.mark.parametrize(("text", "surface", "entity_id"), INFLECTED)
def test_case_endings_and_possessives(text: str, surface: str, entity_id: str) -> None:
    mentions = find_mentions(text, INDEX)
    assert [(m.surface, m.entity_id) for m in mentions] == [(surface, entity_id)]
    assert mentions[0].match_kind != "exact"


INITIALLED = [
    ("President I. Aliyev said", "I. Aliyev", "per_ilham_aliyev"),
    ("analyst E.Shahinoglu wrote", "E.Shahinoglu", "per_elkhan_shahinoglu"),
    ("analyst E. Şahinoğlu wrote", "E. Şahinoğlu", "per_elkhan_shahinoglu"),
    ("words of S. Lavrov, it", "S. Lavrov", "per_sergey_lavrov"),
    ("H. Aliyev founded", "H. Aliyev", "per_heydar_aliyev"),
    ("V.V. Putin said", "V.V. Putin", "per_vladimir_putin"),
    ("С. Лавров заявил", "С. Лавров", "per_sergey_lavrov"),
    ("I. Velizade suggests", "I. Velizade", "per_ilgar_velizade"),
]


@pytest.mark.parametrize(("text", "surface", "entity_id"), INITIALLED)
def test_initials_resolve_the_person(text: str, surface: str, entity_id: str) -> None:
    (mention,) = find_mentions(text, INDEX)
    assert (mention.surface, mention.entity_id) == (surface, entity_id)


def test_longest_match_wins() -> None:
    text = "Nagorno-Karabakh and Karabakh; the Zangezur corridor runs through Zangezur."
    assert [(m.surface, m.entity_id) for m in find_mentions(text, INDEX)] == [
        ("Nagorno-Karabakh", "plc_nagorno_karabakh"),
        ("Karabakh", "plc_karabakh"),
        ("Zangezur corridor", "plc_zangezur_corridor"),
        ("Zangezur", "plc_zangezur"),
    ]


CONTESTED = [
    ("Khankendi", "Stepanakert"),
    ("Shusha", "Shushi"),
    ("Lachin", "Berdzor"),
    ("Kalbajar", "Karvachar"),
    ("Karabakh", "Artsakh"),
    ("Khojavend", "Martuni"),
    ("Aghdara", "Martakert"),
    ("Zangezur", "Syunik"),
    ("Xankəndi", "Степанакерт"),
    ("Şuşa", "Шуши"),
]


@pytest.mark.parametrize(("ours", "theirs"), CONTESTED)
def test_contested_names_stay_apart(ours: str, theirs: str) -> None:
    first, second = find_mentions(f"From {ours} to {theirs}.", INDEX)
    assert first.entity_id != second.entity_id
    assert INDEX.entity(first.entity_id).contested_with == second.entity_id


ORDINARY = [
    "We came back to the city and turned left.",
    "Back in Turin, the turn of events was putting pressure on everyone.",
    "Hence the route was closed; Route 66 stays open.",
    "The putting green in Turin was busy; people were putting bets on it.",
    "Baque and Bahu are not cities here, nor is Kuba in Cuba.",
    "Russian, Armenian, Georgian and Azerbaijani officials met Ukrainians.",
    "Interfaces in en_US locales and user@turan matter to nobody.",
    "Martini, Hence, Meanwhile, However: ordinary capitalised words.",
    "the shusha shoigu putin baku turan karabakh in lowercase are not names",
    "Фильм режиссёра Армена Давтяна получил приз.",  # Армен (a name), not Армения
    "Martin, Turin, Ganda, Chances, Route and Martini are ordinary here.",
    "The Chances are slim; Kobe, Bern and Porto are elsewhere.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_produce_no_mention(text: str) -> None:
    assert find_mentions(text, INDEX) == ()


def test_false_mentions_are_rare_in_ordinary_english() -> None:
    # Paragraph-sized ordinary prose with capitalised sentence starts and no covered names.
    prose = (
        "Back then, Turning points were rare. Putting it mildly, the Board met again. "
        "Both sides agreed. Hence, the Committee said that Bank rates would rise. "
        "Could anyone Guess? Gori, Gory and Gore are all different words. "
        "Camps, Caps, Cups, Shah, Shin, Kiev Street, Moscow Mule. "
    ) * 20
    false = [
        m for m in find_mentions(prose, INDEX) if m.entity_id not in {"plc_kyiv", "plc_moscow"}
    ]
    assert false == []


# --- the sample articles (pipeline acceptance) ------------------------------------------------


def test_sample_article_phrases() -> None:
    by_surface = {
        m.surface: m.entity_id
        for prefix in ("000", "001", "002", "003", "004")
        for m in find_mentions(_article(prefix), INDEX)
    }
    assert by_surface["Garabagh"] == by_surface["Karabakh"] == by_surface["Garabakh"]
    assert (
        by_surface["Shainoglu"]
        == by_surface["Elhan Shainoglu"]
        == by_surface["Elkhan Shahinoglu"]
        == "per_elkhan_shahinoglu"
    )
    assert by_surface["Daghlig Garabagh"] == "plc_nagorno_karabakh"
    assert by_surface["Sergey Şoyqu"] == by_surface["Shoigu"] == "per_sergey_shoigu"
    assert by_surface["S. Lavrov"] == by_surface["Sergei Lavrov"] == "per_sergey_lavrov"
    assert by_surface["I. Velizade"] == by_surface["Ilgar Velizade"] == "per_ilgar_velizade"
    expected_people = {
        "Hikmet Hajiyev",
        "Ruslan Bortnik",
        "Vladimir Bekish",
        "Mikhail Zhirokhov",
        "Arastun Orujlu",
        "Eldar Ibrahimov",
        "Aghil Abbas",
        "Mikhail Yevdokimov",
        "Dmitry Peskov",
        "Lukashenko",
        "Zelensky",
        "Mark Rutte",
        "Kalbajar",
        "Lachin",
        "Zangezur corridor",
        "Yerevan",
        "Bakı",
        "Tbilisi",
        "Moscow",
        "Abkhazia",
        "South Ossetia",
        "Milli Majlis",
        "Radio Azadlig",
        "Turan",
        "News.Az",
        "Modern.az",
        "NATO",
        "FSB",
        "Kremlin",
        "Donbas",
        "Donbass",
        "Kharkiv",
        "Miami",
    }
    assert expected_people <= set(by_surface)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_sample_offsets_are_exact_and_non_overlapping(prefix: str) -> None:
    text = _article(prefix)
    mentions = find_mentions(text, INDEX)
    assert mentions
    for mention, following in itertools.pairwise(mentions):
        assert mention.end <= following.start
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
        assert mention.match_kind in {"exact", "folded", "transliterated", "fuzzy"}


def test_normalized_article_keeps_the_spellings_countable() -> None:
    text = _article("003")
    normalized = normalize_text(text, find_mentions(text, INDEX))
    assert "Garabagh" not in normalized and "Shainoglu" not in normalized
    assert normalized.count("Elkhan Shahinoglu") == 2
    assert "Nagorno-Karabakh" in normalized


def test_speed_on_a_sample_article() -> None:
    text = _article("003")
    find_mentions(text, INDEX)  # warm the token cache, as a long run would be
    started = time.perf_counter()
    for _ in range(20):
        find_mentions(text, INDEX)
    per_article = (time.perf_counter() - started) / 20
    assert per_article < 0.05  # ~1,150 words; a million articles must stay in hours


# --- reading the text: only words that may start a name are looked at ---------------------

WORD_BOUNDARIES = [
    # (text, [(surface, entity)]): capitals inside a word, glued words, lower-case alias starts
    ("xKarabakh and iPhone, eBaku and aShoigu.", []),
    ("Karabakh_x, @Baku, Baku/ and en_Turan; but Turan.", [("Turan", "org_turan")]),
    ("Путь через парламент Грузии и коридор.", [("парламент Грузии", "org_georgian_parliament")]),
    ("Le corridor de Latchine est ouvert.", [("corridor de Latchine", "plc_lachin_corridor")]),
    ("corridors de Latchine", [("Latchine", "plc_lachin")]),
    ("He met E.", []),
    ("Karabakh", [("Karabakh", "plc_karabakh")]),
    (
        "Nagorno -  Karabakh and Nagorno-Karabakh",  # a gap of two spaces and a hyphen splits
        [("Karabakh", "plc_karabakh"), ("Nagorno-Karabakh", "plc_nagorno_karabakh")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), WORD_BOUNDARIES)
def test_word_boundaries(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.surface, m.entity_id) for m in find_mentions(text, INDEX)] == expected


def test_longest_gap_inside_a_name_is_known() -> None:
    # Fuzzy pairs are only tried where the next word starts at most _MAX_GAP characters on.
    from transforms.names import _MAX_GAP, _NAME_GAP

    alphabet = " \t\u00a0-\u2010\u2011\u2013.x"
    gaps = ["".join(p) for n in range(1, 6) for p in itertools.product(alphabet, repeat=n)]
    assert max(len(gap) for gap in gaps if _NAME_GAP.fullmatch(gap)) == _MAX_GAP


# --- candidates -----------------------------------------------------------------------------


def test_name_candidates_offer_near_misses_for_review() -> None:
    text = "Analyst Shahinoqlux said that Velizadov and the Board agreed with Shahinoglu."
    mentions = find_mentions(text, INDEX)
    candidates = find_name_candidates(text, INDEX, mentions)
    by_surface = {c.surface: c for c in candidates}
    assert by_surface["Velizadov"].resembles_entity_id == "per_ilgar_velizade"
    assert 0.8 <= by_surface["Velizadov"].score < 1.0
    assert "said that Velizadov and" in by_surface["Velizadov"].context
    assert "Board" not in by_surface
    covered = {m.surface for m in mentions}
    assert not covered & set(by_surface)


# --- the index: validation and the real table -------------------------------------------------


def _row(**overrides: str) -> dict[str, str]:
    row = {
        "entity_id": "plc_x",
        "entity_type": "place",
        "canonical": "Xville",
        "alias": "Xville",
        "script": "latin",
        "kind": "canonical",
        "contested_with": "",
        "note": "",
    }
    row.update(overrides)
    return row


BAD_TABLES: list[tuple[list[Mapping[str, str]], str]] = [
    ([_row(alias="")], "missing alias"),
    ([_row(entity_id="")], "missing entity_id"),
    ([_row(entity_type="river")], "entity_type"),
    ([_row(), _row(entity_id="plc_y", canonical="Y", alias="XVILLE")], "already belongs"),
    ([_row(contested_with="plc_nowhere")], "unknown entity"),
    ([_row(contested_with="plc_x")], "itself"),
    ([_row(), _row(alias="Xburg", canonical="Other")], "differ"),
    ([_row(alias="--")], "no letters"),
]


@pytest.mark.parametrize(("rows", "message"), BAD_TABLES)
def test_bad_rows_raise_naming_the_row(rows: list[Mapping[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        build_alias_index(rows)
    assert "row" in str(raised.value) or "entity" in str(raised.value)


def test_real_table_integrity() -> None:
    columns = [
        "entity_id",
        "entity_type",
        "canonical",
        "alias",
        "script",
        "kind",
        "contested_with",
        "note",
    ]
    with ALIASES_CSV.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == columns
    entities = {entity.entity_id: entity for entity in INDEX.entities}
    assert len(entities) >= 60
    folded_aliases = [fold(row["alias"]) for row in ROWS]
    assert len(folded_aliases) == len(set(folded_aliases)), "an alias is listed twice"
    for row in ROWS:
        assert row["script"] in {"latin", "cyrillic", "armenian", "georgian"}
        assert row["kind"] in {
            "canonical",
            "variant",
            "transliteration",
            "official",
            "short",
            "abbreviation",
        }
    for entity in entities.values():
        if entity.contested_with:
            assert entities[entity.contested_with].contested_with == entity.entity_id
    assert not INDEX.ambiguous_keys, "two entities share a transliteration key"
    for entity in entities.values():
        mentions = find_mentions(entity.canonical, INDEX)
        assert [(m.entity_id, m.surface) for m in mentions] == [
            (entity.entity_id, entity.canonical)
        ], "a canonical name must find itself, or normalising is not idempotent"


def test_every_listed_alias_finds_its_entity() -> None:
    for row in ROWS:
        mentions = find_mentions(f"Said {row['alias']} today", INDEX)
        assert [m.entity_id for m in mentions] == [row["entity_id"]], row


def test_contested_pairs_never_share_keys() -> None:
    by_entity: dict[str, set[str]] = {}
    for row in ROWS:
        by_entity.setdefault(row["entity_id"], set()).add(translit_key(row["alias"]))
    for entity in INDEX.entities:
        if entity.contested_with:
            assert not by_entity[entity.entity_id] & by_entity[entity.contested_with]


# --- properties ---------------------------------------------------------------------------

ALIAS_SAMPLE = sorted({row["alias"] for row in ROWS})
texts_with_names = st.lists(
    st.one_of(
        st.sampled_from(ALIAS_SAMPLE),
        st.text(max_size=12),
        st.sampled_from([" ", ". ", "'s ", "-", "\n", "da ", "E. ", "_"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_unicode(text: str) -> None:
    mentions = find_mentions(text, INDEX)
    normalize_text(text, mentions)
    find_name_candidates(text, INDEX, mentions)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface


@settings(max_examples=400, deadline=None)
@given(texts_with_names)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalize(text, INDEX)
    assert normalize(once, INDEX) == once


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        # A damaged first word matches fuzzily, alone; its canonical name then starts the
        # ministry's alias with the words after it, which the next pass finds.
        ("AİAzerbaycan Dışişleri Bakanlığı", "Ministry of Foreign Affairs of Azerbaijan"),
        ("Qarabağ", "Karabakh"),
        ("No names here.", "No names here."),
    ],
)
def test_normalize_reaches_a_fixed_point(text: str, normalized: str) -> None:
    assert normalize(text, INDEX) == normalized


FRESH_INDEX = build_alias_index(ROWS)


@settings(max_examples=300, deadline=None)
@given(texts_with_names)
def test_remembered_answers_do_not_depend_on_earlier_texts(text: str) -> None:
    # INDEX remembers per word (and word pair) what earlier texts found; an index with its
    # memos emptied (and the per-word caches) must find the same.
    clear_caches(FRESH_INDEX)
    assert not FRESH_INDEX.search_memo and not FRESH_INDEX.starts.words
    fresh = find_mentions(text, FRESH_INDEX)
    fresh_candidates = find_name_candidates(text, FRESH_INDEX, fresh)
    warm = find_mentions(text, INDEX)
    assert warm == fresh
    assert find_name_candidates(text, INDEX, warm) == fresh_candidates


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Ll"]), min_size=1, max_size=15))
def test_lowercase_words_never_match_a_person(word: str) -> None:
    assert all(
        INDEX.entity(m.entity_id).entity_type != "person"
        for m in find_mentions(f"we {word} it", INDEX)
    )


# --- the evaluation set (bench/names.py reports it in full) ----------------------------------

VARIANT_ROWS = list(
    csv.DictReader((REPO / "tests" / "data" / "name_variants.csv").open(encoding="utf-8"))
)


def _linked(row: Mapping[str, str]) -> set[str]:
    sentence, variant = row["sentence"], row["variant"]
    start = sentence.index(variant)
    end = start + len(variant)
    return {m.entity_id for m in find_mentions(sentence, INDEX) if m.start < end and start < m.end}


def test_variant_recall_and_no_contested_merge() -> None:
    results = {split: [] for split in ("dev", "heldout")}  # type: dict[str, list[bool]]
    for row in VARIANT_ROWS:
        found = _linked(row)
        results[row["split"]].append(found == {row["entity_id"]})
        assert INDEX.entity(row["entity_id"]).contested_with not in found, row
    dev, heldout = (sum(r) / len(r) for r in (results["dev"], results["heldout"]))
    # Floors a little under the figures in docs/names.md: a regression guard, not a target.
    assert dev >= 0.98 and heldout >= 0.97, (dev, heldout)


def test_indexes_unpickled_in_one_process_share_what_they_learned() -> None:
    # Dask ships the reference data with every batch: each unpickled copy of one index must
    # reuse the word memo of the copies before it, and find exactly what the original finds.
    text = "Elhan Shainoglu told Turan that Garabagh talks in Bakı resumed; Şoyqu disagreed."
    first = pickle.loads(pickle.dumps(FRESH_INDEX))
    assert find_mentions(text, first) == find_mentions(text, FRESH_INDEX)
    second = pickle.loads(pickle.dumps(FRESH_INDEX))
    assert second.starts is first.starts and len(second.starts.words) > 0
    assert find_mentions(text, second) == find_mentions(text, FRESH_INDEX)
    other = pickle.loads(pickle.dumps(build_alias_index(ROWS)))
    assert other.starts is not first.starts
