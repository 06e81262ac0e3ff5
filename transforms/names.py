"""Name normalisation: one entity, however the press spells it (issue 5).

The alias table (``seeds/aliases.csv``, read by the flow and passed in as rows) lists known
spellings. Matching generalises beyond the table in four layers, tried in order of trust:

* ``exact``          the surface is an alias, token for token, as written;
* ``folded``         equal after case folding and diacritic stripping (ə→e, ı→i, ş→s, ...),
                     or an alias inflected by a case ending/possessive, or an initialled name;
* ``transliterated`` equal under a phonetic key that makes kh/x/h/gh/ğ/g/q/k, j/c/dzh/zh,
                     sh/ş, ch/ç, y/i and a/e/ə comparable, with Cyrillic romanised first;
* ``fuzzy``          one or two capitalised tokens within a small edit distance of an alias key
                     (typos), guarded against ordinary words and demonyms.

Everything is token based: the text is split once into word tokens, every token's keys are
computed once (and cached across articles), and candidate spans are found by walking a token
trie per layer with hash lookups. Work per article is therefore linear in its length; fuzzy
matching only runs for capitalised tokens that missed, against a block of aliases that share
the first key letter and roughly the length.

Pure: no file I/O, no pipeline dependencies. See ``docs/names.md`` for the design notes.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

from transforms.records import Mention, NameCandidate

ENTITY_TYPES = frozenset({"person", "place", "organisation"})
REQUIRED_FIELDS = ("entity_id", "entity_type", "canonical", "alias")

EXACT, FOLDED, TRANSLITERATED, FUZZY = "exact", "folded", "transliterated", "fuzzy"
_KIND_RANK = {EXACT: 0, FOLDED: 1, TRANSLITERATED: 2, FUZZY: 3}

# A token is a run of letters/digits; everything else separates tokens.
_TOKEN = re.compile(r"[^\W_]+")
# A token and the gap up to the next one, in one pass.
_TOKEN_AND_GAP = re.compile(r"([^\W_]+)([\W_]*)")
# What may stand between two tokens of one name: "Nagorno-Karabakh", "Nagorno Karabakh",
# "News.Az". No line breaks: a name never spans a headline and the next line.
_NAME_GAP = re.compile(r"[ \t\u00a0]{1,2}|[ \t\u00a0]?[-\u2010\u2011\u2013][ \t\u00a0]?|\.")
# Gap after an initial: "E. Shahinoglu", "E.Shahinoglu".
_INITIAL_GAP = re.compile(r"\.[ \t\u00a0]?")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Translit keys shorter than this are too collision-prone ("Gori"~"Gory") to be trusted alone.
_MIN_TRANSLIT_KEY = 4
# Fuzzy matching only for keys at least this long, and within this many edits.
_MIN_FUZZY_KEY = 8  # "Martini" is one edit from Martuni, "Perkov" from Peskov
_LONG_FUZZY_KEY = 12
# Shorter single words (Tbilsi, Erivan, Gumri) are fuzzed too, one edit at most, when they are
# not ordinary words: wordfreq's Zipf frequency below this in English and in Russian.
_MIN_SHORT_FUZZY_KEY = 5
_COMMON_ZIPF = 2.5
# Candidates (for the review queue) are looser than fuzzy mentions.
_MIN_CANDIDATE_KEY = 5
_CANDIDATE_MIN_SCORE = 0.8
_CONTEXT_CHARS = 40

# --- folding --------------------------------------------------------------------------------

# Letters NFD does not decompose but the press writes without: dotless i, schwa (both forms).
# fmt: off
_FOLD_TABLE = str.maketrans({"ı": "i", "ə": "e", "ǝ": "e", "Ə": "e", "Ǝ": "e", "ø": "o",
                             "ł": "l", "đ": "d", "ß": "ss", "ё": "е", "’": "", "'": ""})
# fmt: on


def fold(text: str) -> str:
    """Lower case without diacritics: ``Şahinoğlu`` → ``sahinoglu``, ``Kəlbəcər`` → ``kelbecer``.

    Cyrillic keeps its script (``й`` becomes ``и``): folding is about accents, not alphabets.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_FOLD_TABLE))


# --- transliteration key ------------------------------------------------------------------

# Russian/Ukrainian Cyrillic romanised the way the English-language press does (BGN-like).
# fmt: off
_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "yo", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya", "ә": "e", "ғ": "gh", "қ": "q", "ң": "n", "ө": "o", "ү": "u",
    "һ": "h", "ҹ": "j", "ј": "y",
})
# fmt: on
# Armenian (lower case; BGN/PCGN-like: խ→kh, ղ→gh, ջ→j, ու→u, և→ev; word-initial ե→ye and
# ո→vo are left to the leading-glide rule) and Georgian Mkhedruli (ejectives as plain letters:
# კ/ქ→k, ჭ/ჩ→ch, წ/ც→ts, ყ→q, ღ→gh).
# fmt: off
_ARMENIAN_TO_LATIN = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "e", "թ": "t",
    "ժ": "zh", "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz",
    "ղ": "gh", "ճ": "ch", "մ": "m", "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch",
    "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r", "ց": "ts",
    "ւ": "v", "փ": "p", "ք": "k", "և": "ev", "օ": "o", "ֆ": "f",
}
_GEORGIAN_TO_LATIN = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t", "ი": "i",
    "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "zh", "რ": "r", "ს": "s",
    "ტ": "t", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q", "შ": "sh", "ჩ": "ch",
    "ც": "ts", "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh", "ჯ": "j", "ჰ": "h",
}
# fmt: on
_OTHER_SCRIPTS_TO_LATIN = str.maketrans({**_ARMENIAN_TO_LATIN, **_GEORGIAN_TO_LATIN})
_ARMENIAN_U = re.compile("ո[ււ]")
_GEORGIAN = re.compile(r"[\u10d0-\u10ff]")
_ARMENIAN = re.compile(r"[\u0531-\u058f]")
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0531-\u058f\u10d0-\u10ff]")


def _romanise(text: str) -> str:
    """Lower-cased ``text`` with Cyrillic, Armenian and Georgian letters romanised."""
    lowered = text.lower()
    if "ու" in lowered:
        lowered = _ARMENIAN_U.sub("u", lowered)
    return lowered.translate(_CYRILLIC_TO_LATIN).translate(_OTHER_SCRIPTS_TO_LATIN)


# Azerbaijani/Turkish letters spelled out as the English press spells them.
# fmt: off
_TURKIC_TO_DIGRAPH = str.maketrans({
    "ş": "sh", "ç": "ch", "ğ": "gh", "ə": "a", "ǝ": "a", "ı": "i", "ö": "o", "ü": "u",
})
# fmt: on
# Order matters: longer clusters first, so "dzh" is not read as "dz" + "h".
# fmt: off
_DIGRAPHS = (
    ("shch", "S"), ("sch", "S"), ("dzh", "J"), ("dj", "J"), ("zh", "J"), ("sh", "S"),
    ("tch", "C"), ("ch", "C"), ("ck", "K"), ("ph", "f"), ("ou", "u"),  # French: Chouchi
)
# fmt: on
# One class per sound family the region's spellings disagree on:
# K = k/g/q/h/x (Garabagh~Karabakh~Qarabağ, Hasanov~Gasanov, Elkhan~Elhan),
# J = j/c/zh (Jabrayil~Cəbrayıl), A = a/e/ə (Kalbajar~Kelbajar~Kəlbəcər), i = i/y.
# fmt: off
_LETTER_CLASSES = str.maketrans({
    "k": "K", "g": "K", "q": "K", "h": "K", "x": "K", "c": "J", "j": "J", "a": "A", "e": "A",
    "y": "i", "w": "v",
})
# fmt: on
_NON_KEY = re.compile(r"[^0-9a-zA-Z]")
_DOUBLED = re.compile(r"(.)\1+")
_VOWELS = frozenset("Aiou")


def translit_key(token: str) -> str:
    """A phonetic key under which the region's spellings of one name coincide.

    ``Shoigu``, ``Şoyqu``, ``Shoygu``, ``Шойгу`` → ``SoiKu``; ``Garabagh``, ``Karabakh``,
    ``Qarabağ``, ``Карабах`` → ``KArAbAK``. Over-merging is checked at index time: a key shared
    by two entities is dropped (see ``AliasIndex.ambiguous_keys``).
    """
    text = _romanise(token).translate(_TURKIC_TO_DIGRAPH)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    for cluster, replacement in _DIGRAPHS:
        text = text.replace(cluster, replacement)
    text = _NON_KEY.sub("", text.translate(_LETTER_CLASSES))
    text = _DOUBLED.sub(r"\1", text)
    # A leading y/i before a vowel is a glide the Russian side writes inside the letter:
    # Yerevan ~ Ереван (Erevan), Yevdokimov ~ Евдокимов.
    if len(text) > 2 and text[0] == "i" and text[1] in _VOWELS:
        text = text[1:]
    return text


# --- other romanisation conventions ------------------------------------------------------

# German, French and Polish papers romanise Russian, Armenian, Georgian and Azerbaijani names
# by their own spelling rules (Lawrow, Paschinjan, Poutine, Ławrow, Schuscha, Choucha). Each
# rule set rewrites a text token into English-press spelling; the rewrite's transliteration key
# is one more key of the token. Aliases are keyed by the English convention only, so a rewrite
# can only find a name whose English key it reproduces.
_VOWEL_AFTER = "aeiouyäöü"
_GERMAN_VOICED_S = re.compile(rf"(^|[aeiouyäöülmnr])s(?=[{_VOWEL_AFTER}])")
_POLISH_SOFT_IE = re.compile(r"([^aeiouy])ie")
# fmt: off
_GERMAN_CLUSTERS = (("tsch", "\x01"), ("dsch", "\x02"), ("sch", "\x03"), ("ch", "\x04"),
                    ("ss", "\x05"))
_POLISH_CLUSTERS = (("dż", "\x02"), ("rz", "\x06"), ("sz", "\x03"), ("cz", "\x01"),
                    ("ch", "\x04"), ("ż", "\x06"), ("ć", "\x01"))
_FRENCH_CLUSTERS = (("tch", "\x01"), ("dj", "\x02"), ("ch", "\x03"), ("ou", "u"), ("qu", "k"),
                    ("gue", "ge"), ("gui", "gi"))
# fmt: on
_PLACEHOLDERS = str.maketrans(
    {
        "\x01": "ch",
        "\x02": "j",
        "\x03": "sh",
        "\x04": "kh",
        "\x05": "ss",
        "\x06": "zh",
        "\x07": "ts",
    }
)
_POLISH_LETTERS = str.maketrans(
    {"ś": "s", "ń": "n", "ł": "l", "ó": "o", "w": "v", "j": "y", "c": "\x07"}
)
_GERMAN_POLISH_MARKERS = re.compile(r"[wjłżśńó]|sch|sz|cz|rz")
_LATIN_MARKERS = re.compile(r"[wjzcsqéèêëïîôûłżśćńó]|ch|ou|ie")


def _replace_all(text: str, pairs: Iterable[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _convention_spellings(token: str) -> tuple[str, ...]:
    """English-press spellings of a Latin token read as German, French or Polish."""
    lowered = token.lower()
    if not _LATIN_MARKERS.search(lowered):
        return ()
    german = _replace_all(lowered, _GERMAN_CLUSTERS)
    german = german.replace("j", "y").replace("w", "v").replace("z", "ts")
    if german.endswith("ien") and len(german) > 5:  # Armenien, Georgien, Abchasien
        german = german[:-3] + "ia"
    voiced = _GERMAN_VOICED_S.sub(r"\1z", german)  # Sacharowa, Selenskyj, Sangesur
    polish = _replace_all(lowered, _POLISH_CLUSTERS)
    polish = polish.translate(_POLISH_LETTERS)
    polish = _POLISH_SOFT_IE.sub(r"\1e", polish)  # Siergiej, Miedwiediew, Pieskow
    french = _replace_all(lowered, _FRENCH_CLUSTERS)
    if french.endswith("ine") and len(french) > 5:  # Poutine, Michoustine, Latchine
        french = french[:-1]
    elif french.endswith("ie") and len(french) > 5:  # Arménie, Géorgie, Abkhazie
        french = french[:-1] + "a"
    spellings = (german, voiced, polish, french)
    return tuple(dict.fromkeys(s.translate(_PLACEHOLDERS) for s in spellings if s != lowered))


# --- inflection ---------------------------------------------------------------------------

# Azerbaijani/Turkish case and derivational endings that attach to names without an
# apostrophe (Qarabağda, Bakının, Paşinyanla). Longest first. A surname that is itself a
# stem plus "a" (Aliyeva, Zakharova) is listed in the table, and listed spellings win.
# fmt: off
_TURKIC_SUFFIXES = tuple(sorted({
    "dakı", "dəki", "daki", "deki", "ndakı", "ndəki", "dan", "dən", "den", "ndan", "ndən",
    "nın", "nin", "nun", "nün", "ın", "in", "un", "ün", "da", "də", "de", "nda", "ndə",
    "ya", "yə", "ye", "na", "nə", "la", "lə", "yla", "ylə", "nı", "ni", "nu", "nü",
    "ı", "i", "u", "ü", "ə", "a", "e", "dır", "dir",
}, key=len, reverse=True))
# fmt: on
# English has -i demonyms (Azerbaijani, Pakistani); a bare ASCII vowel ending is only read as
# a case ending in a word that is visibly Azerbaijani/Turkish.
_ASCII_VOWEL_SUFFIXES = frozenset({"i", "u"})  # "a"/"e" (Karabagha) are rare in English
_TURKIC_LETTERS = re.compile(r"[əƏıİşŞğĞçÇöÖüÜ]")
# Russian (and Ukrainian) case endings of nouns, adjectives and surnames, each with the
# nominative endings it can replace: Лаврова → Лавров, Осетии → Осетия, Южной → Южная,
# Нагорном → Нагорный. Pairing endings with their own nominatives (rather than trying every
# nominative after every ending) keeps Армена (a man's name, genitive) from becoming Армения.
# fmt: off
_RUSSIAN_DECLENSION: dict[str, tuple[str, ...]] = {
    "а": ("", "о"), "я": ("ь", "й", "е"), "у": ("", "а", "о"), "ю": ("ь", "й", "я"),
    "е": ("", "а", "я", "о", "ь"), "і": ("ь", "а", "я"), "ы": ("а",), "и": ("а", "я", "ь"),
    "ом": ("", "о", "ый", "ой", "ий"), "ем": ("ь", "й", "е", "ий"),
    "ой": ("а", "ая", "ой", "ый"), "ей": ("я", "ь", "яя", "ия"), "ою": ("а",),
    "ым": ("", "ый"), "им": ("ий",), "ии": ("ия", "ий"), "ией": ("ия",), "ию": ("ия",),
    "ого": ("ый", "ий", "ой", "ое"), "его": ("ий", "ее"), "ому": ("ый", "ий", "ой", "ое"),
    "ему": ("ий",), "ую": ("ая",), "юю": ("яя",), "ых": ("ые", "ый"), "их": ("ие", "ий"),
    "ов": ("ы",), "ам": ("ы", "и"), "ям": ("и",), "ах": ("ы", "и"), "ях": ("и",),
    "ами": ("ы", "и"), "ями": ("и",), "ього": ("ій", "ий"), "ьому": ("ій",),
}
# fmt: on
_RUSSIAN_ENDINGS = tuple(sorted(_RUSSIAN_DECLENSION, key=len, reverse=True))
# Georgian nominative -ი (ალიევი, თბილისი) and common Armenian case endings.
_GEORGIAN_ENDINGS = ("ის", "ში", "ს", "ი")
_ARMENIAN_ENDINGS = ("ում", "ից", "ին", "ով", "ի", "ը", "ն")
_MIN_STEM = 4


def _first_letter(token: str) -> str:
    """First three letters as romanised, before sound classes: Шойгу → sho, Əliyev → ali."""
    head = _romanise(token[:4]).translate(_TURKIC_TO_DIGRAPH)
    stripped = [ch for ch in unicodedata.normalize("NFD", head) if not unicodedata.combining(ch)]
    return "".join(stripped).replace("sch", "sh")[:3]  # German Sch- is Sh-: Schoigu


# Keys at least this long are distinctive enough that a different start is believable (Hojaly
# for Khojaly/Xocalı); shorter ones must start like a listed alias: "Hence" is not Gəncə,
# "Route" is not Rutte, "Bahu" is not Baku. Inflected Latin forms always need a distinctive
# key: "Baque" is not Baku plus a dative.
_DISTINCTIVE_KEY = 6


def _plausible_translit(
    key_length: int, keys: _TokenKeys, listed: set[str], inflected_latin: bool
) -> bool:
    if key_length >= _DISTINCTIVE_KEY:
        return True
    if inflected_latin:
        return False
    return keys.first_letter in listed or any(f in listed for f in keys.reading_first_letters)


@dataclass(frozen=True, slots=True)
class _TokenKeys:
    """The lookup keys of one token, computed once per distinct token string."""

    exact: str
    folded: str
    # Of the token and of its folded form (ç vs c), then of its German/French/Polish readings.
    translit: tuple[str, ...]
    capitalised: bool
    non_latin: bool  # Cyrillic, Armenian or Georgian: inflects on every word
    initial: bool  # a single capital letter, as in "E. Shahinoglu"
    first_letter: str
    # First letters of German/Polish readings of a word visibly spelled so (Szusza, Latschin):
    # short keys must start like a listed alias, and these count as its start too.
    reading_first_letters: tuple[str, ...]


def _translit_forms(token: str) -> tuple[str, ...]:
    primary, of_folded = translit_key(token), translit_key(fold(token))
    return (primary,) if primary == of_folded else (primary, of_folded)


@lru_cache(maxsize=200_000)
def _keys(token: str) -> _TokenKeys:
    first = token[0]
    non_latin = bool(_NON_LATIN.search(token))
    forms = _translit_forms(token)
    readings = () if non_latin else _convention_spellings(fold(token))
    translit = tuple(dict.fromkeys([*forms, *(translit_key(r) for r in readings)]))
    first_letter = _first_letter(token)
    marked = bool(_GERMAN_POLISH_MARKERS.search(token.lower()))
    return _TokenKeys(
        exact=token,
        folded=fold(token),
        translit=translit,
        # Georgian has no capitals: a Georgian-script word is treated as capitalised.
        capitalised=first.isupper() or first.istitle() or bool(_GEORGIAN.match(first)),
        non_latin=non_latin,
        initial=len(token) == 1 and first.isupper(),
        first_letter=first_letter,
        reading_first_letters=tuple(_first_letter(r) for r in readings[:3]) if marked else (),
    )


@lru_cache(maxsize=200_000)
def _inflection_stems(token: str) -> tuple[_TokenKeys, ...]:
    """Keys of the forms this token may be an inflection of (empty for most tokens)."""
    stems: list[str] = []
    if _CYRILLIC.search(token):
        lowered = token.lower()
        for ending in _RUSSIAN_ENDINGS:
            if lowered.endswith(ending) and len(token) - len(ending) >= _MIN_STEM - 1:
                stem = token[: len(token) - len(ending)]
                stems.extend(stem + nominative for nominative in _RUSSIAN_DECLENSION[ending])
        stems.extend(token + nominative for nominative in ("а", "я", "ь", "й"))
    elif _GEORGIAN.search(token) or _ARMENIAN.search(token):
        endings = _GEORGIAN_ENDINGS if _GEORGIAN.search(token) else _ARMENIAN_ENDINGS
        stems.extend(
            token[: len(token) - len(ending)]
            for ending in endings
            if token.endswith(ending) and len(token) - len(ending) >= _MIN_STEM - 1
        )
    else:
        lowered = token.lower()
        visibly_turkic = bool(_TURKIC_LETTERS.search(token))
        for suffix in _TURKIC_SUFFIXES:
            if suffix in _ASCII_VOWEL_SUFFIXES and not visibly_turkic:
                continue
            if lowered.endswith(suffix) and len(token) - len(suffix) >= _MIN_STEM:
                stems.append(token[: len(token) - len(suffix)])
        # German genitive without apostrophe: "Putins Rede", "Erdogans Partei".
        if lowered.endswith("s") and not lowered.endswith("ss") and len(token) > _MIN_STEM + 1:
            stems.append(token[:-1])
    unique = dict.fromkeys(stem for stem in stems if stem and stem != token)
    return tuple(_keys(stem) for stem in unique)


# --- the index ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    entity_id: str
    entity_type: str
    canonical: str
    contested_with: str | None


class _TrieNode:
    """One token step of an alias; ``entity`` is set where an alias ends (-1: ambiguous)."""

    __slots__ = ("children", "entity", "first_letters")

    def __init__(self) -> None:
        self.children: dict[str, _TrieNode] = {}
        self.entity: int | None = None
        # Romanised first letters of the aliases ending here (see _plausible_translit).
        self.first_letters: set[str] = set()


@dataclass(frozen=True, slots=True)
class _AliasKey:
    """An alias under one layer's key, for fuzzy blocks and candidate search."""

    key: str
    token_count: int
    entity: int


@dataclass(frozen=True, slots=True)
class _FuzzyBlock:
    """Alias keys sharing a romanised first letter and a token count, as parallel tuples so
    rapidfuzz can scan them in C."""

    keys: tuple[str, ...]
    entities: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AliasIndex:
    """Compiled lookups over the alias table. Built once; never mutated after build."""

    entities: tuple[Entity, ...]
    exact_trie: _TrieNode
    folded_trie: _TrieNode
    translit_trie: _TrieNode
    # (translit key of a surname) -> entities with that surname, for "E. Shahinoglu".
    surnames: Mapping[str, tuple[int, ...]]
    # entity -> letters its first names may be abbreviated to.
    initials: Mapping[int, frozenset[str]]
    # (romanised first letter, token count) -> alias keys: the fuzzy block.
    fuzzy_blocks: Mapping[tuple[str, int], _FuzzyBlock]
    ambiguous_keys: frozenset[str]
    # Memo of fuzzy/candidate searches by query key: filled while matching, never read for
    # anything but speed (same query, same block, same answer).
    search_memo: dict[tuple[str, str, int, int], object] = field(
        default_factory=dict, compare=False, repr=False
    )

    def entity(self, entity_id: str) -> Entity:
        for entity in self.entities:
            if entity.entity_id == entity_id:
                return entity
        raise KeyError(entity_id)


def _alias_tokens(alias: str) -> list[str]:
    return _TOKEN.findall(alias)


def _is_abbreviation(alias: str, kind: str) -> bool:
    # Acronyms are only trusted as written: "NATO" yes, "nato"/"Nato" only if listed.
    letters = [ch for ch in alias if ch.isalpha()]
    return kind == "abbreviation" or (len(letters) <= 5 and all(ch.isupper() for ch in letters))


def _insert(
    root: _TrieNode, path: Sequence[str], entity: int, first_letter: str = ""
) -> int | None:
    """Insert ``path``; returns the entity already there if it is a different one."""
    node = root
    for step in path:
        node = node.children.setdefault(step, _TrieNode())
    if first_letter:
        node.first_letters.add(first_letter)
    previous = node.entity
    if previous is None or previous == entity:
        node.entity = entity
        return None
    node.entity = -1
    return previous


def _row_error(number: int, row: Mapping[str, str], problem: str) -> ValueError:
    return ValueError(f"alias row {number} ({dict(row)!r}): {problem}")


def build_alias_index(rows: Iterable[Mapping[str, str]]) -> AliasIndex:
    """Validate the alias rows and compile the lookups. Raises ValueError naming a bad row."""
    entity_numbers: dict[str, int] = {}
    entities: list[Entity] = []
    exact_trie, folded_trie, translit_trie = _TrieNode(), _TrieNode(), _TrieNode()
    folded_owner: dict[tuple[str, ...], tuple[int, int]] = {}  # folded alias -> entity, row
    surnames: dict[str, set[int]] = {}
    initials: dict[int, set[str]] = {}
    ambiguous: set[str] = set()
    fuzzy_keys: set[_AliasKey] = set()
    first_letters: dict[str, set[str]] = {}

    for number, row in enumerate(rows, start=1):
        for field_name in REQUIRED_FIELDS:
            if not (row.get(field_name) or "").strip():
                raise _row_error(number, row, f"missing {field_name}")
        entity_id, entity_type = row["entity_id"].strip(), row["entity_type"].strip()
        canonical, alias = row["canonical"].strip(), row["alias"].strip()
        contested = (row.get("contested_with") or "").strip() or None
        kind = (row.get("kind") or "").strip()
        if entity_type not in ENTITY_TYPES:
            raise _row_error(number, row, f"entity_type must be one of {sorted(ENTITY_TYPES)}")
        if contested == entity_id:
            raise _row_error(number, row, "an entity cannot be contested with itself")
        tokens = _alias_tokens(alias)
        if not tokens:
            raise _row_error(number, row, "alias has no letters")

        entity = Entity(entity_id, entity_type, canonical, contested)
        if entity_id not in entity_numbers:
            entity_numbers[entity_id] = len(entities)
            entities.append(entity)
        elif entities[entity_numbers[entity_id]] != entity:
            raise _row_error(
                number,
                row,
                "entity_type/canonical/contested_with differ from the entity's first row",
            )
        index = entity_numbers[entity_id]

        folded_path = tuple(_keys(token).folded for token in tokens)
        owner = folded_owner.get(folded_path)
        if owner is not None and owner[0] != index:
            raise _row_error(
                number,
                row,
                f"alias {alias!r} already belongs to "
                f"{entities[owner[0]].entity_id} (row {owner[1]})",
            )
        folded_owner.setdefault(folded_path, (index, number))

        _insert(exact_trie, tokens, index)
        if _is_abbreviation(alias, kind):
            continue
        _insert(folded_trie, folded_path, index)
        translit_paths = {
            tuple(_translit_forms(token)[0] for token in tokens),
            tuple(_translit_forms(token)[-1] for token in tokens),
        }
        for path in translit_paths:
            if len(tokens) == 1 and len(path[0]) < _MIN_TRANSLIT_KEY:
                continue
            clash = _insert(translit_trie, path, index, _first_letter(tokens[0]))
            if clash is not None:
                ambiguous.add(" ".join(path))
            joined = " ".join(path)
            fuzzy_keys.add(_AliasKey(joined, len(path), index))
            first_letters.setdefault(joined, set()).add(_first_letter(tokens[0])[:1])
        if entity_type == "person":
            surname_forms = _translit_forms(tokens[-1])
            for form in surname_forms:
                surnames.setdefault(form, set()).add(index)
            if len(tokens) >= 2 and len(tokens[0]) > 1:
                initials.setdefault(index, set()).update(
                    {fold(tokens[0])[0], *(key[0] for key in _translit_forms(tokens[0]) if key)}
                )

    for number_entity, entity in enumerate(entities):
        if entity.contested_with is not None and entity.contested_with not in entity_numbers:
            raise ValueError(
                f"entity {entity.entity_id} (entity #{number_entity + 1}) is "
                f"contested_with unknown entity {entity.contested_with!r}"
            )

    blocks: dict[tuple[str, int], dict[tuple[str, int], None]] = {}
    for alias_key in sorted(fuzzy_keys, key=lambda k: (k.key, k.entity)):
        if alias_key.key in ambiguous:
            continue
        for letter in sorted(first_letters[alias_key.key]):
            block = blocks.setdefault((letter, alias_key.token_count), {})
            block[(alias_key.key, alias_key.entity)] = None

    return AliasIndex(
        entities=tuple(entities),
        exact_trie=exact_trie,
        folded_trie=folded_trie,
        translit_trie=translit_trie,
        surnames={key: tuple(sorted(found)) for key, found in surnames.items()},
        initials={entity: frozenset(letters) for entity, letters in initials.items()},
        fuzzy_blocks={
            block: _FuzzyBlock(tuple(key for key, _ in keys), tuple(entity for _, entity in keys))
            for block, keys in blocks.items()
        },
        ambiguous_keys=frozenset(ambiguous),
    )


# --- finding mentions ---------------------------------------------------------------------


class _Token:
    """One word of the text. Plain slotted class: built for every word, so kept cheap."""

    __slots__ = ("end", "gap", "keys", "start")

    def __init__(self, start: int, end: int, keys: _TokenKeys, gap: str) -> None:
        self.start = start
        self.end = end
        self.keys = keys
        self.gap = gap  # the text up to the next token ("\n" after the last)

    @property
    def joins_next(self) -> bool:
        """The gap to the next token may sit inside a name."""
        return _joins_names(self.gap)

    @property
    def initial_gap(self) -> bool:
        """The gap to the next token is the ". " after an initial."""
        return _follows_initial(self.gap)


@lru_cache(maxsize=4096)
def _joins_names(gap: str) -> bool:
    return bool(_NAME_GAP.fullmatch(gap))


@lru_cache(maxsize=4096)
def _follows_initial(gap: str) -> bool:
    return bool(_INITIAL_GAP.fullmatch(gap))


@dataclass(frozen=True, slots=True)
class _Match:
    first: int  # token positions, inclusive
    last: int
    entity: int
    match_kind: str


_GLUE = frozenset({"_", "@", "/"})
# Keys that match nothing: the empty string is never an alias key.
_UNUSABLE = _TokenKeys(
    exact="",
    folded="",
    translit=("",),
    capitalised=False,
    non_latin=False,
    initial=False,
    first_letter="",
    reading_first_letters=(),
)


@lru_cache(maxsize=4)
def _tokenize(text: str) -> tuple[_Token, ...]:
    """Tokens of ``text``; the last few texts are remembered, so find_name_candidates reuses
    the tokens find_mentions made for the same article."""
    return tuple(_tokenize_uncached(text))


def _tokenize_uncached(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    append = tokens.append
    glue = _GLUE
    for match in _TOKEN_AND_GAP.finditer(text):
        word, gap = match.group(1, 2)
        start = match.start()
        # A token glued to "_", "@" or "/" is part of an identifier, handle or URL (en_US).
        glued = (start > 0 and text[start - 1] in glue) or gap[:1] in glue
        keys = _UNUSABLE if glued else _keys(word)
        append(_Token(start, start + len(word), keys, gap or "\n"))
    return tokens


def _layer_keys(keys: _TokenKeys, layer: str) -> tuple[str, ...]:
    if layer == EXACT:
        return (keys.exact,)
    if layer == FOLDED:
        return (keys.folded,)
    return keys.translit


def _children(
    node: _TrieNode, keys: _TokenKeys, layer: str, inside: bool
) -> list[tuple[_TrieNode, bool, int]]:
    """Trie steps this token can take: (node, via an inflected form, length of the key used).

    ``inside``: the token continues a name, where lower-case words inflect too (Грузинской
    мечты, Zəngəzur dəhlizinin)."""
    children = node.children
    plain = [
        (children[key], False, len(key)) for key in _layer_keys(keys, layer) if key in children
    ]
    if plain or not (keys.capitalised or inside):
        return plain
    # Several stems may step ("Армен" of Armen Sarkissian and "Армения" for "Армении"): keep
    # them all, the longest complete alias wins.
    steps: dict[int, tuple[_TrieNode, bool, int]] = {}
    for stem in _inflection_stems(keys.exact):
        for key in _layer_keys(stem, layer):
            child = children.get(key)
            if child is not None:
                steps.setdefault(id(child), (child, True, len(key)))
    return list(steps.values())


def _walk(tokens: Sequence[_Token], first: int, root: _TrieNode, layer: str) -> _Match | None:
    """Longest alias of one layer starting at token ``first``."""
    # Beyond exact spelling, only capitalised words can be names: "turn" is never Turan.
    if layer != EXACT and not tokens[first].keys.capitalised:
        return None
    best: _Match | None = None
    # Depth-first over (node, position, inflected so far); branching is tiny in practice.
    pending: list[tuple[_TrieNode, int, bool, int]] = [(root, first, False, 0)]
    while pending:
        node, position, inflected_before, length_before = pending.pop()
        token = tokens[position]
        for child, stem_used, used_length in _children(node, token.keys, layer, position > first):
            inflected = inflected_before or stem_used
            key_length = length_before + used_length
            accepted = child.entity is not None and child.entity >= 0
            if accepted and layer == TRANSLITERATED:
                accepted = _plausible_translit(
                    key_length,
                    tokens[first].keys,
                    child.first_letters,
                    inflected and not token.keys.non_latin,
                )
            if accepted and child.entity is not None:
                kind = FOLDED if inflected and layer == EXACT else layer
                found = _Match(first, position, child.entity, kind)
                if best is None or found.last > best.last:
                    best = found
            # Latin names inflect on their last word only; Russian adjectives agree throughout.
            if stem_used and not token.keys.non_latin:
                continue
            if token.joins_next and position + 1 < len(tokens) and child.children:
                pending.append((child, position + 1, inflected, key_length))
    return best


def _match_initialled(tokens: Sequence[_Token], first: int, index: AliasIndex) -> _Match | None:
    """``E. Shahinoglu``, ``V.V. Putin``: initials plus a known surname of a matching person."""
    letters: list[_TokenKeys] = []
    position = first
    while position < len(tokens) and tokens[position].keys.initial and len(letters) < 2:
        if not tokens[position].initial_gap:
            return None
        letters.append(tokens[position].keys)
        position += 1
    if not letters or position >= len(tokens) or not tokens[position].keys.capitalised:
        return None
    surname = tokens[position].keys
    forms = [surname, *_inflection_stems(surname.exact)]
    initial_keys = {letters[0].folded, *(key[0] for key in letters[0].translit if key)}
    for form in forms:
        for key in form.translit:
            for entity in index.surnames.get(key, ()):
                if initial_keys & index.initials.get(entity, frozenset()):
                    # Never "exact": "E. Shahinoglu" is a pattern, not a listed spelling.
                    return _Match(first, position, entity, FOLDED)
    return None


# Capitalised words that sit within an edit or two of an alias key but are not names.
# fmt: off
_NOT_NAMES = frozenset({
    "russian", "russians", "armenian", "armenians", "georgian", "georgians", "turkish",
    "ukrainian", "ukrainians", "azerbaijani", "azerbaijanis", "belarusian", "american",
    "european", "caucasus", "caucasian", "soviet", "muslim", "christian", "minister",
    "ministry", "president", "presidential", "however", "meanwhile", "moreover", "although",
    "according", "official", "officials", "because", "therefore", "political", "military",
    "national", "statement", "agreement", "secretary", "general", "parliament",
})
# fmt: on


def _demonym_like(query: str, alias_key: str) -> bool:
    # "Russian"~"Russia", "Georgians"~"Georgia": an extension of an alias is a derived word,
    # handled (or deliberately not) by the inflection rules, never by fuzzy matching.
    return query.startswith(alias_key) or alias_key.startswith(query)


_EMPTY_BLOCK = _FuzzyBlock((), ())


def _fuzzy_block(index: AliasIndex, first_letter: str, token_count: int) -> _FuzzyBlock:
    # Typos keep the first letter; a different one means a different word.
    return index.fuzzy_blocks.get((first_letter[:1], token_count), _EMPTY_BLOCK)


def _typo_shape(query: str, key: str) -> bool:
    """A dropped letter or two swapped neighbours: the typos short names are allowed."""
    if len(key) == len(query) + 1:
        return True
    return len(key) == len(query) and sorted(key) == sorted(query)


def _best_fuzzy(
    index: AliasIndex,
    query: str,
    token_count: int,
    max_edits: int,
    first_letter: str,
    short: bool = False,
) -> tuple[int, int] | None:
    """(entity, edits) of the single closest alias key within ``max_edits``; None if tied."""
    memo_key = (query, first_letter[:1], token_count, max_edits + (10 if short else 0))
    if memo_key in index.search_memo:
        return index.search_memo[memo_key]  # type: ignore[return-value]
    found = _search_fuzzy(index, query, token_count, max_edits, first_letter, short)
    if len(index.search_memo) < _MEMO_LIMIT:
        index.search_memo[memo_key] = found
    return found


_MEMO_LIMIT = 200_000


def _search_fuzzy(
    index: AliasIndex,
    query: str,
    token_count: int,
    max_edits: int,
    first_letter: str,
    short: bool,
) -> tuple[int, int] | None:
    block = _fuzzy_block(index, first_letter, token_count)
    best_entities: set[int] = set()
    best_distance = max_edits + 1
    for key, distance, position in process.extract(
        query, block.keys, scorer=OSA.distance, score_cutoff=max_edits, limit=None
    ):
        if _demonym_like(query, key) or (short and not _typo_shape(query, key)):
            continue
        entity = block.entities[position]
        if distance < best_distance:
            best_distance, best_entities = int(distance), {entity}
        elif distance == best_distance:
            best_entities.add(entity)
    if best_distance > max_edits or len(best_entities) != 1:
        return None
    return next(iter(best_entities)), best_distance


def _fuzzy_span_key(tokens: Sequence[_Token], first: int, count: int) -> str | None:
    """Translit key of ``count`` capitalised, joinable tokens from ``first``, or None."""
    if first + count > len(tokens):
        return None
    parts = []
    for position in range(first, first + count):
        keys = tokens[position].keys
        # All-caps tokens are acronyms or shouting; neither is a typo of a name.
        if not keys.capitalised or keys.exact.isupper() or keys.folded in _NOT_NAMES:
            return None
        if position < first + count - 1 and not tokens[position].joins_next:
            return None
        parts.append(keys.translit[0])
    return " ".join(parts)


@lru_cache(maxsize=50_000)
def _common_word(folded: str) -> bool:
    """An ordinary English or Russian word (or a common first name): never fuzzed when short."""
    return max(zipf_frequency(folded, "en"), zipf_frequency(folded, "ru")) >= _COMMON_ZIPF


def _match_fuzzy(tokens: Sequence[_Token], first: int, index: AliasIndex) -> _Match | None:
    for count in (2, 1):
        query = _fuzzy_span_key(tokens, first, count)
        if query is None:
            continue
        length = len(query.replace(" ", ""))
        if length < _MIN_FUZZY_KEY and not (
            count == 1
            and length >= _MIN_SHORT_FUZZY_KEY
            and not tokens[first].keys.non_latin
            and not _common_word(tokens[first].keys.folded)
        ):
            continue
        max_edits = 1 if len(query) < _LONG_FUZZY_KEY else 2
        found = _best_fuzzy(
            index,
            query,
            count,
            max_edits,
            tokens[first].keys.first_letter,
            short=length < _MIN_FUZZY_KEY,
        )
        if found is not None:
            return _Match(first, first + count - 1, found[0], FUZZY)
    return None


def _better(candidate: _Match | None, incumbent: _Match | None) -> bool:
    if candidate is None:
        return False
    if incumbent is None:
        return True
    if candidate.last != incumbent.last:
        return candidate.last > incumbent.last
    return _KIND_RANK[candidate.match_kind] < _KIND_RANK[incumbent.match_kind]


def _match_at(tokens: Sequence[_Token], first: int, index: AliasIndex) -> _Match | None:
    best: _Match | None = None
    if tokens[first].keys.initial:
        best = _match_initialled(tokens, first, index)
    for root, layer in (
        (index.exact_trie, EXACT),
        (index.folded_trie, FOLDED),
        (index.translit_trie, TRANSLITERATED),
    ):
        found = _walk(tokens, first, root, layer)
        if _better(found, best):
            best = found
    if best is None and tokens[first].keys.capitalised:
        best = _match_fuzzy(tokens, first, index)
    return best


def find_mentions(text: str, index: AliasIndex) -> tuple[Mention, ...]:
    """Known entities in ``text``: leftmost-longest, non-overlapping, offsets into ``text``."""
    tokens = _tokenize(text)
    mentions: list[Mention] = []
    exact_starts = index.exact_trie.children
    position = 0
    while position < len(tokens):
        keys = tokens[position].keys
        # Fast path for most tokens: a lowercase word can only start an exactly written alias.
        if not keys.capitalised and keys.exact not in exact_starts:
            position += 1
            continue
        match = _match_at(tokens, position, index)
        if match is None:
            position += 1
            continue
        entity = index.entities[match.entity]
        start, end = tokens[match.first].start, tokens[match.last].end
        mentions.append(
            Mention(
                entity.entity_id, entity.canonical, text[start:end], start, end, match.match_kind
            )
        )
        position = match.last + 1
    return tuple(mentions)


def normalize_text(text: str, mentions: Sequence[Mention]) -> str:
    """``text`` with each mention's surface replaced by its canonical name.

    Mentions must index into ``text`` (surface == text[start:end]); overlapping ones after the
    first are ignored, so the result is well defined for any input.
    """
    pieces: list[str] = []
    cursor = 0
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.start < cursor:
            continue
        if text[mention.start : mention.end] != mention.surface:
            raise ValueError(f"mention {mention!r} does not index into this text")
        pieces.append(text[cursor : mention.start])
        pieces.append(mention.canonical)
        cursor = mention.end
    pieces.append(text[cursor:])
    return "".join(pieces)


# --- candidates for the alias table -------------------------------------------------------


def _context(text: str, start: int, end: int) -> str:
    left = max(0, start - _CONTEXT_CHARS)
    right = min(len(text), end + _CONTEXT_CHARS)
    return " ".join(text[left:right].split())


def _closest_alias(
    index: AliasIndex, query: str, first_letter: str, count: int
) -> tuple[float, int]:
    """(score, entity) of the alias key most like ``query`` (-1 if none reaches the cutoff)."""
    memo_key = (query, first_letter[:1], count, -1)
    if memo_key in index.search_memo:
        return index.search_memo[memo_key]  # type: ignore[return-value]
    block = _fuzzy_block(index, first_letter, count)
    best_score, best_entity = 0.0, -1
    for key, ratio, position in process.extract(
        query,
        block.keys,
        scorer=fuzz.ratio,
        score_cutoff=_CANDIDATE_MIN_SCORE * 100,
        limit=8,
    ):
        if _demonym_like(query, key) and query != key:
            continue
        if ratio / 100.0 > best_score:
            best_score, best_entity = ratio / 100.0, block.entities[position]
    if len(index.search_memo) < _MEMO_LIMIT:
        index.search_memo[memo_key] = (best_score, best_entity)
    return best_score, best_entity


def find_name_candidates(
    text: str, index: AliasIndex, mentions: Sequence[Mention]
) -> tuple[NameCandidate, ...]:
    """Capitalised words (or pairs) not matched but close to a known alias: review material.

    Scores are rapidfuzz ratios of the transliteration keys in [0, 1]. One candidate per
    distinct surface, best score kept.
    """
    covered = sorted((mention.start, mention.end) for mention in mentions)
    covered_starts = [start for start, _ in covered]

    def is_covered(start: int, end: int) -> bool:
        # Mentions do not overlap each other: only the last one starting before ``end`` and
        # the one before it can overlap [start, end).
        at = bisect_left(covered_starts, end)
        return any(covered[i][1] > start for i in range(max(0, at - 2), at))

    tokens = _tokenize(text)
    found: dict[str, NameCandidate] = {}
    for first, token in enumerate(tokens):
        keys = token.keys
        # Cheap rejections first: most words are lower case.
        if not keys.capitalised or keys.exact.isupper() or keys.folded in _NOT_NAMES:
            continue
        for count in (2, 1):
            query = _fuzzy_span_key(tokens, first, count)
            if query is None or len(query) - count + 1 < _MIN_CANDIDATE_KEY:
                continue
            start, end = token.start, tokens[first + count - 1].end
            if is_covered(start, end):
                continue
            best_score, best_entity = _closest_alias(
                index, query, tokens[first].keys.first_letter, count
            )
            if best_entity < 0 or best_score < _CANDIDATE_MIN_SCORE:
                continue
            surface = text[start:end]
            previous = found.get(surface)
            if previous is None or previous.score < best_score:
                entity = index.entities[best_entity]
                found[surface] = NameCandidate(
                    surface,
                    entity.entity_id,
                    entity.canonical,
                    round(best_score, 3),
                    _context(text, start, end),
                )
            break  # a pair that resembles an alias explains its first word too
    return tuple(found.values())
