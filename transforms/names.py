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

Everything is token based: one regex scan finds the words that may start a name (capitalised
ones, and lower-case alias starts), every word's keys and first trie steps are computed once
(and remembered across articles), and candidate spans are found by walking a token trie per
layer with hash lookups, reading a following word only where a name could continue into it.
Work per article is therefore linear in its length; fuzzy matching only runs for capitalised
tokens that missed, against a block of aliases that share the first key letter and roughly the
length.

Pure: no file I/O, no pipeline dependencies. See ``docs/names.md`` for the design notes.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from transforms.common_words import is_common_word
from transforms.records import Mention, NameCandidate

ENTITY_TYPES = frozenset({"person", "place", "organisation"})
REQUIRED_FIELDS = ("entity_id", "entity_type", "canonical", "alias")

EXACT, FOLDED, TRANSLITERATED, FUZZY = "exact", "folded", "transliterated", "fuzzy"
_KIND_RANK = {EXACT: 0, FOLDED: 1, TRANSLITERATED: 2, FUZZY: 3}

# A token is a run of letters/digits; everything else separates tokens.
_TOKEN = re.compile(r"[^\W_]+")
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
# not ordinary words (transforms.common_words: rare in English and in Russian text).
_MIN_SHORT_FUZZY_KEY = 5
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
    lowered = text.translate(_FOLD_TABLE).casefold()
    if lowered.isascii():  # most words: nothing to decompose or compose
        return lowered.translate(_FOLD_TABLE)
    return unicodedata.normalize("NFC", _strip_marks(lowered).translate(_FOLD_TABLE))


def _strip_marks(text: str) -> str:
    """``text`` decomposed (NFD) without its combining marks; ASCII text is already so."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
    if lowered.isascii():  # the tables only map letters of other scripts
        return lowered
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
    text = _romanise(token)
    if not text.isascii():
        text = _strip_marks(text.translate(_TURKIC_TO_DIGRAPH))
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
    head = _romanise(token[:4])
    if not head.isascii():
        head = _strip_marks(head.translate(_TURKIC_TO_DIGRAPH))
    return head.replace("sch", "sh")[:3]  # German Sch- is Sh-: Schoigu


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


#: Words each per-word cache below holds at most (they are caches: forgetting only costs time).
#: ~65,000 words is what 10,000 news articles bring; the former bound (200,000) let the caches
#: grow with a long run (~280 MB when full), and this one cost no measurable time over 30,000.
_WORD_CACHE_SIZE = 65_536


def _translit_forms(token: str) -> tuple[str, ...]:
    primary, of_folded = translit_key(token), translit_key(fold(token))
    return (primary,) if primary == of_folded else (primary, of_folded)


@lru_cache(maxsize=_WORD_CACHE_SIZE)
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


@lru_cache(maxsize=_WORD_CACHE_SIZE)
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
    # What each word can start (first trie steps per layer), filled while matching, and the
    # scan for the words that may start a mention.
    starts: _StartCache = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        roots = (
            (self.exact_trie, EXACT),
            (self.folded_trie, FOLDED),
            (self.translit_trie, TRANSLITERATED),
        )
        object.__setattr__(self, "starts", _StartCache(roots))

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

# The text is not split into all its words: most words are lower case and cannot start a name.
# One regex scan finds the words that may (see _StarterScan), and a word's neighbour is read
# only when a match could continue into it. A word is a maximal run of [^\W_] (str.isalnum).
_GLUE = frozenset("_@/")
# The next word, when the gap to it may sit inside a name ("Nagorno-Karabakh", "Nagorno
# Karabakh", "News.Az"; no line breaks) or is the ". " after an initial ("E. Shahinoglu"). The
# gap before a word is all of it (gap characters are never word characters).
_JOINED_WORD = re.compile(rf"(?:{_NAME_GAP.pattern})([^\W_]+)")
_WORD_AFTER_INITIAL = re.compile(rf"(?:{_INITIAL_GAP.pattern})([^\W_]+)")


def _is_capitalised(first: str) -> bool:
    # Georgian has no capitals: a Georgian-script word is treated as capitalised.
    return first.isupper() or first.istitle() or bool(_GEORGIAN.match(first))


def _char_ranges(chars: Iterable[str]) -> str:
    """A regex character-class body for ``chars`` (consecutive code points as ranges)."""
    points = sorted(ord(ch) for ch in chars)
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )


# Word characters that never make a word capitalised, among the scripts most text is in (Latin,
# Greek, Cyrillic, Armenian; digits): a scan for words that may start a name skips them.
_NEVER_CAPITAL = frozenset(
    ch for ch in map(chr, range(0x590)) if ch.isalnum() and not _is_capitalised(ch)
)


class _StarterScan:
    """Finds (as whole matches) every word that may start a mention: each capitalised word and
    each word starting like a lower-case alias (``corridor``), plus some others — such as the
    tail of ``iPhone``, which the caller drops because it does not start a word. Lower-case
    alias starts are rare in a text, and looking for them slows the scan down, so they are
    looked for only in texts that contain one."""

    __slots__ = ("capitalised", "lower_starts", "with_lower")

    def __init__(self, exact_starts: Iterable[str]) -> None:
        self.capitalised = re.compile(rf"[^\W_{_char_ranges(_NEVER_CAPITAL)}][^\W_]*")
        self.lower_starts = tuple(
            sorted((key for key in exact_starts if key[0] in _NEVER_CAPITAL), key=len, reverse=True)
        )
        alternatives = "|".join(map(re.escape, self.lower_starts))
        self.with_lower = (
            re.compile(rf"{self.capitalised.pattern}|(?:{alternatives})[^\W_]*")
            if alternatives
            else self.capitalised
        )

    def pattern(self, text: str) -> re.Pattern[str]:
        if any(start in text for start in self.lower_starts):
            return self.with_lower
        return self.capitalised


@dataclass(frozen=True, slots=True)
class _Match:
    first: int  # start of its first word and end of its last word, in the text
    last: int
    entity: int
    match_kind: str


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

_PAIR_MEMO_LIMIT = 2_000  # per word: the words seen after it

_Word = tuple[int, int]  # start and end of a word in the text
_NOT_READ = (-1, -1)


class _Text:
    """A text as the matcher reads it: its starters (the words that may start a mention, found
    once per index) and, when asked, the word joined to a given one."""

    __slots__ = ("_joined", "_starters", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._joined: dict[int, _Word | None] = {}
        self._starters: tuple[AliasIndex, list[tuple[int, int, _Start]]] | None = None

    def glued(self, start: int, end: int) -> bool:
        """The word is glued to "_", "@" or "/": part of an identifier, handle or URL (en_US)."""
        text = self.text
        return (start > 0 and text[start - 1] in _GLUE) or text[end : end + 1] in _GLUE

    def keys(self, start: int, end: int) -> _TokenKeys:
        return _UNUSABLE if self.glued(start, end) else _keys(self.text[start:end])

    def joined(self, end: int) -> _Word | None:
        """The word after the one ending at ``end``, if the gap to it may sit inside a name."""
        found = self._joined.get(end, _NOT_READ)
        if found is _NOT_READ:
            match = _JOINED_WORD.match(self.text, end)
            found = self._joined[end] = None if match is None else match.span(1)
        return found

    def after_initial(self, end: int) -> _Word | None:
        """The word after the one ending at ``end``, if the gap to it is ". " (an initial's)."""
        match = _WORD_AFTER_INITIAL.match(self.text, end)
        return None if match is None else match.span(1)

    def starters(self, index: AliasIndex) -> list[tuple[int, int, _Start]]:
        """(start, end, what it starts) of the words that may start a mention under ``index``,
        in order; remembered for the last index, so find_name_candidates reuses them."""
        if self._starters is None or self._starters[0] is not index:
            text = self.text
            memo = index.starts.words
            found: list[tuple[int, int, _Start]] = []
            glue = _GLUE
            for match in index.starts.scan.pattern(text).finditer(text):
                start, end = match.span()
                if start > 0:
                    before = text[start - 1]
                    if before.isalnum() or before in glue:
                        continue  # inside a word, or glued
                start_info = memo[match.group()]
                if start_info is None or text[end : end + 1] in glue:
                    continue
                found.append((start, end, start_info))
            self._starters = (index, found)
        return self._starters[1]


@lru_cache(maxsize=4)
def _read(text: str) -> _Text:
    """The last few texts are remembered, so find_name_candidates reuses what find_mentions
    read of the same article."""
    return _Text(text)


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


_Steps = tuple[tuple[_TrieNode, bool, int], ...]
# A trie match relative to its first word: (words after the first, entity, match kind).
_Relative = tuple[int, int, str]
_UNKNOWN: _Relative = (-1, -1, "")  # not computed yet
_FUZZY_UNKNOWN = -2  # _Start.fuzzy_one before it is computed
_NO_ALIAS = -1  # _Start.fuzzy_one when the word is no typo of an alias
_NOT_CLOSE = (0.0, -1)  # _Start.closest_one of a word too short to be a candidate


class _Start:
    """What a word can start under one index, computed once per word.

    ``layers``: its first trie steps, only for the layers with any (exact, folded, translit
    order). ``deep``: a step leads on to a next word. ``alone``: the trie answer where the word
    cannot lead on (then it depends on the word alone); ``known``: that answer once it is known
    to be final everywhere (the word is not deep and no initial); ``pairs``: the answer by
    next word, for walks that stopped there. ``span_part``: the word's part of a fuzzy or
    candidate query (its first translit key), None when it is never read as a typo of a name
    (lower case, all caps, a known non-name). ``fuzzy_one``/``closest_one``: its own fuzzy
    match and closest alias."""

    __slots__ = (
        "alone",
        "closest_one",
        "deep",
        "fuzzy_one",
        "keys",
        "known",
        "layers",
        "pairs",
        "span_part",
    )

    def __init__(self, keys: _TokenKeys, layers: tuple[tuple[str, _Steps], ...]) -> None:
        self.keys = keys
        self.layers = layers
        # Latin names inflect on their last word only: an inflected step leads nowhere.
        self.deep = any(
            child.children and (keys.non_latin or not stem_used)
            for _, steps in layers
            for child, stem_used, _ in steps
        )
        self.alone: _Relative | None = _UNKNOWN
        self.known: _Relative | None = None
        self.pairs: dict[str, _Relative | None] = {}
        # All-caps tokens are acronyms or shouting; neither is a typo of a name.
        fuzzable = keys.capitalised and not keys.exact.isupper() and keys.folded not in _NOT_NAMES
        self.span_part = keys.translit[0] if fuzzable else None
        self.fuzzy_one = _FUZZY_UNKNOWN
        self.closest_one: tuple[float, int] | None = None


def clear_caches(index: AliasIndex | None = None) -> None:
    """Forget what matching has memoised: per word, and ``index``'s searches and word starts
    (tens of MB after a few thousand articles). Results do not change either way."""
    _keys.cache_clear()
    _inflection_stems.cache_clear()
    if index is not None:
        index.search_memo.clear()
        index.starts.words.clear()


class _StartCache:
    """Per index: the starter scan and the word memo. A cache, not part of the index's value.
    Not a dict itself, so generic walkers of task parameters (Prefect's) do not descend into a
    memo of many thousand words.

    A pickled index (Dask ships the reference data with every batch) does not carry the memo;
    unpickled in a worker process, it shares the memo earlier batches of the same index built
    there (``_shared_start_cache``), instead of relearning every word batch after batch.
    """

    __slots__ = ("roots", "scan", "token", "words")

    def __init__(self, roots: tuple[tuple[_TrieNode, str], ...], token: str = "") -> None:
        self.roots = roots
        self.token = token or uuid.uuid4().hex
        self.words = _StartMemo(roots)
        self.scan = _StarterScan(roots[0][0].children)

    def __reduce__(
        self,
    ) -> tuple[Callable[..., _StartCache], tuple[str, tuple[tuple[_TrieNode, str], ...]]]:
        return (_shared_start_cache, (self.token, self.roots))


#: Start caches of unpickled indexes in this process, by the token of the index they came from.
_SHARED_START_CACHES: dict[str, _StartCache] = {}


def _shared_start_cache(token: str, roots: tuple[tuple[_TrieNode, str], ...]) -> _StartCache:
    cache = _SHARED_START_CACHES.get(token)
    if cache is None:
        cache = _SHARED_START_CACHES[token] = _StartCache(roots, token)
    return cache


class _StartMemo(dict[str, "_Start | None"]):
    """Word → ``_Start``, or None for a word that cannot start a mention: most lower-case
    words (a lower-case word can only start an alias written exactly so, ``Modern.az``; beyond
    exact, a name must be capitalised, so "turn"/"putting"/"back" never match). Their keys are
    never computed."""

    __slots__ = ("roots",)

    def __init__(self, roots: tuple[tuple[_TrieNode, str], ...]) -> None:
        super().__init__()
        self.roots = roots

    def __missing__(self, word: str) -> _Start | None:
        if len(self) >= _WORD_CACHE_SIZE:
            # The older half goes (insertion order): a frequent word comes straight back.
            for old in list(itertools.islice(self, len(self) // 2)):
                del self[old]
        start = self[word] = self._start(word)
        return start

    def _start(self, word: str) -> _Start | None:
        capitalised = _is_capitalised(word[0])
        if not capitalised and word not in self.roots[0][0].children:
            return None
        keys = _keys(word)
        layers = []
        for root, layer in self.roots:
            # Beyond exact spelling, only capitalised words can be names: "turn" is never Turan.
            if layer != EXACT and not capitalised:
                continue
            steps = _children(root, keys, layer, False)
            if steps:
                layers.append((layer, tuple(steps)))
        return _Start(keys, tuple(layers))


def _walk(
    text: _Text, first: _Word, first_keys: _TokenKeys, first_steps: _Steps, layer: str
) -> tuple[_Match | None, bool]:
    """Longest alias of one layer starting at word ``first`` (whose keys and steps from the
    root are given), and whether a step from the next word could lead further still (if not,
    the answer depends on these two words only)."""
    best: _Match | None = None
    beyond = False
    first_start = first[0]
    # Depth-first over (node, word, inflected so far); branching is tiny in practice. The
    # root is None: its steps are already known.
    pending: list[tuple[_TrieNode | None, int, int, bool, int]] = [
        (None, first_start, first[1], False, 0)
    ]
    steps: Sequence[tuple[_TrieNode, bool, int]]
    while pending:
        node, start, end, inflected_before, length_before = pending.pop()
        if node is None:
            keys, steps = first_keys, first_steps
        else:
            keys = text.keys(start, end)
            steps = _children(node, keys, layer, start > first_start)
        for child, stem_used, used_length in steps:
            inflected = inflected_before or stem_used
            key_length = length_before + used_length
            accepted = child.entity is not None and child.entity >= 0
            if accepted and layer == TRANSLITERATED:
                accepted = _plausible_translit(
                    key_length,
                    first_keys,
                    child.first_letters,
                    inflected and not keys.non_latin,
                )
            if accepted and child.entity is not None:
                kind = FOLDED if inflected and layer == EXACT else layer
                found = _Match(first_start, end, child.entity, kind)
                if best is None or found.last > best.last:
                    best = found
            # Latin names inflect on their last word only; Russian adjectives agree throughout.
            if stem_used and not keys.non_latin:
                continue
            if child.children:
                if start > first_start:
                    beyond = True
                following = text.joined(end)
                if following is not None:
                    pending.append((child, *following, inflected, key_length))
    return best, beyond


def _trie_match(text: _Text, start: int, end: int, start_info: _Start) -> _Match | None:
    """The longest alias in the tries from the word [start, end); at equal length exact beats
    folded beats transliterated. Remembered per word, or per word pair, where the context
    cannot change it."""
    following = text.joined(end) if start_info.deep else None
    if following is not None:
        next_word = None if text.glued(*following) else text.text[following[0] : following[1]]
        known = _UNKNOWN if next_word is None else start_info.pairs.get(next_word, _UNKNOWN)
        if known is not _UNKNOWN:
            if known is None:
                return None
            return _Match(start, following[1] if known[0] else end, known[1], known[2])
        best: _Match | None = None
        context_free = next_word is not None
        for layer, steps in start_info.layers:
            found, beyond = _walk(text, (start, end), start_info.keys, steps, layer)
            context_free = context_free and not beyond
            if _better(found, best):
                best = found
        if context_free and next_word is not None and len(start_info.pairs) < _PAIR_MEMO_LIMIT:
            start_info.pairs[next_word] = (
                None if best is None else (int(best.last != end), best.entity, best.match_kind)
            )
        return best
    # No walk can leave this word: the answer depends on the word alone.
    if start_info.alone is _UNKNOWN:
        alone: _Match | None = None
        for layer, steps in start_info.layers:
            found, _ = _walk(text, (start, end), start_info.keys, steps, layer)
            if _better(found, alone):
                alone = found
        start_info.alone = None if alone is None else (0, alone.entity, alone.match_kind)
    if start_info.alone is None:
        return None
    return _Match(start, end, start_info.alone[1], start_info.alone[2])


def _match_initialled(
    text: _Text, start: int, end: int, keys: _TokenKeys, index: AliasIndex
) -> _Match | None:
    """``E. Shahinoglu``, ``V.V. Putin``: initials plus a known surname of a matching person."""
    letters: list[_TokenKeys] = []
    first = start
    while keys.initial and len(letters) < 2:
        following = text.after_initial(end)
        if following is None:
            return None
        letters.append(keys)
        start, end = following
        keys = text.keys(start, end)
    if not letters or not keys.capitalised:
        return None
    surname = keys
    forms = [surname, *_inflection_stems(surname.exact)]
    initial_keys = {letters[0].folded, *(key[0] for key in letters[0].translit if key)}
    for form in forms:
        for key in form.translit:
            for entity in index.surnames.get(key, ()):
                if initial_keys & index.initials.get(entity, frozenset()):
                    # Never "exact": "E. Shahinoglu" is a pattern, not a listed spelling.
                    return _Match(first, end, entity, FOLDED)
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
    if len(index.search_memo) < _WORD_CACHE_SIZE:
        index.search_memo[memo_key] = found
    return found


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


_Starter = tuple[int, int, _Start]
_MAX_GAP = 3  # the longest gap inside a name (" - ")


def _pair_key(
    text: _Text, end: int, start_info: _Start, next_starter: _Starter | None
) -> str | None:
    """Translit key of two capitalised, joinable words, the first ending at ``end`` (see
    _Start.span_part). The second must be the next starter (``next_starter``)."""
    if start_info.span_part is None or next_starter is None or next_starter[0] > end + _MAX_GAP:
        return None
    second = next_starter[2].span_part
    if second is None:
        return None
    following = text.joined(end)
    if following is None or following[0] != next_starter[0]:
        return None
    return f"{start_info.span_part} {second}"


def _fuzzy_entity(
    index: AliasIndex, query: str, count: int, keys: _TokenKeys
) -> tuple[int, int] | None:
    """The fuzzy match of a span key of ``count`` words whose first word has ``keys``."""
    length = len(query.replace(" ", ""))
    if length < _MIN_FUZZY_KEY and not (
        count == 1
        and length >= _MIN_SHORT_FUZZY_KEY
        and not keys.non_latin
        and not is_common_word(keys.folded)
    ):
        return None
    max_edits = 1 if len(query) < _LONG_FUZZY_KEY else 2
    return _best_fuzzy(
        index, query, count, max_edits, keys.first_letter, short=length < _MIN_FUZZY_KEY
    )


def _match_fuzzy(
    text: _Text, starter: _Starter, next_starter: _Starter | None, index: AliasIndex
) -> _Match | None:
    start, end, start_info = starter
    pair = _pair_key(text, end, start_info, next_starter)
    if pair is not None and next_starter is not None:
        found = _fuzzy_entity(index, pair, 2, start_info.keys)
        if found is not None:
            return _Match(start, next_starter[1], found[0], FUZZY)
    # A single word's fuzzy match depends on the word alone: remembered on its _Start.
    if start_info.fuzzy_one == _FUZZY_UNKNOWN:
        single = start_info.span_part
        found = None if single is None else _fuzzy_entity(index, single, 1, start_info.keys)
        start_info.fuzzy_one = _NO_ALIAS if found is None else found[0]
    if start_info.fuzzy_one == _NO_ALIAS:
        return None
    return _Match(start, end, start_info.fuzzy_one, FUZZY)


def _better(candidate: _Match | None, incumbent: _Match | None) -> bool:
    if candidate is None:
        return False
    if incumbent is None:
        return True
    if candidate.last != incumbent.last:
        return candidate.last > incumbent.last
    return _KIND_RANK[candidate.match_kind] < _KIND_RANK[incumbent.match_kind]


def _match_at(
    text: _Text, starter: _Starter, next_starter: _Starter | None, index: AliasIndex
) -> _Match | None:
    start, end, start_info = starter
    keys = start_info.keys
    best: _Match | None = None
    if keys.initial:
        best = _match_initialled(text, start, end, keys, index)
    if start_info.layers:
        found = _trie_match(text, start, end, start_info)
        if _better(found, best):
            best = found
    if best is None and keys.capitalised:
        best = _match_fuzzy(text, starter, next_starter, index)
    return best


def find_mentions(text: str, index: AliasIndex) -> tuple[Mention, ...]:
    """Known entities in ``text``: leftmost-longest, non-overlapping, offsets into ``text``."""
    read = _read(text)
    starters = read.starters(index)
    last = len(starters) - 1
    mentions: list[Mention] = []
    free = 0  # where the last mention ended
    for number, starter in enumerate(starters):
        start, end, start_info = starter
        if start < free:
            continue
        known = start_info.known
        if known is not None:  # a single-word name, whatever follows
            entity = index.entities[known[1]]
            mention = Mention(
                entity.entity_id, entity.canonical, text[start:end], start, end, known[2]
            )
            mentions.append(mention)
            free = end
            continue
        next_starter = starters[number + 1] if number < last else None
        if (
            not start_info.layers
            and not start_info.keys.initial
            and start_info.fuzzy_one == _NO_ALIAS
            and (
                start_info.span_part is None
                or next_starter is None
                or next_starter[2].span_part is None
                or next_starter[0] > starter[1] + _MAX_GAP
            )
        ):
            continue  # only a fuzzy pair could start here, and the next word cannot be in one
        match = _match_at(read, starter, next_starter, index)
        if (
            not start_info.deep
            and not start_info.keys.initial
            and start_info.alone is not _UNKNOWN
            and start_info.alone is not None
        ):
            # No walk leaves the word, no initial: the tries' answer for it alone is final.
            start_info.known = start_info.alone
        if match is None:
            continue
        entity = index.entities[match.entity]
        begin, end = match.first, match.last
        mentions.append(
            Mention(
                entity.entity_id, entity.canonical, text[begin:end], begin, end, match.match_kind
            )
        )
        free = end
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


#: Passes of ``normalize`` at most (see there); a third has never been needed.
_NORMALIZE_PASSES = 3


def normalize(text: str, index: AliasIndex, mentions: Sequence[Mention] | None = None) -> str:
    """``text`` with every known name in its canonical spelling, to a fixed point: normalising
    the result again changes nothing. ``mentions`` are ``find_mentions(text, index)`` if the
    caller has them.

    One pass (``normalize_text`` of ``find_mentions``) can leave a name for the next: a fuzzy
    match covers one or two words, so "AİAzerbaycan Dışişleri Bakanlığı" (a damaged first
    word) becomes "Azerbaijan Dışişleri Bakanlığı", where the ministry's three-word alias now
    matches. So another pass follows a pass that replaced a fuzzy match; the other kinds
    already take the longest alias there is.
    """
    found = find_mentions(text, index) if mentions is None else mentions
    for _ in range(_NORMALIZE_PASSES):
        normalized = normalize_text(text, found)
        if normalized == text or not any(m.match_kind == FUZZY for m in found):
            return normalized
        text, found = normalized, find_mentions(normalized, index)
    return text


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
    if len(index.search_memo) < _WORD_CACHE_SIZE:
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
        return (at > 0 and covered[at - 1][1] > start) or (at > 1 and covered[at - 2][1] > start)

    read = _read(text)
    starters = read.starters(index)
    last = len(starters) - 1
    found: dict[str, NameCandidate] = {}
    # Only capitalised words that are not all caps or known non-names.
    for number, (start, end, start_info) in enumerate(starters):
        part = start_info.span_part
        if part is None:
            continue
        next_starter = starters[number + 1] if number < last else None
        pair = _pair_key(read, end, start_info, next_starter)
        if pair is not None and next_starter is not None:
            # A pair that resembles an alias explains its first word too.
            pair_end = next_starter[1]
            if len(pair) - 1 >= _MIN_CANDIDATE_KEY and not is_covered(start, pair_end):
                score, entity_number = _closest_alias(index, pair, start_info.keys.first_letter, 2)
                if entity_number >= 0 and score >= _CANDIDATE_MIN_SCORE:
                    entity = index.entities[entity_number]
                    _keep_candidate(found, text, start, pair_end, score, entity)
                    continue
        if start_info.closest_one is None:
            # The word's own closest alias: a pure function of the word, so computed once.
            start_info.closest_one = (
                _closest_alias(index, part, start_info.keys.first_letter, 1)
                if len(part) >= _MIN_CANDIDATE_KEY
                else _NOT_CLOSE
            )
        score, entity_number = start_info.closest_one
        if entity_number >= 0 and score >= _CANDIDATE_MIN_SCORE and not is_covered(start, end):
            _keep_candidate(found, text, start, end, score, index.entities[entity_number])
    return tuple(found.values())


def _keep_candidate(
    found: dict[str, NameCandidate], text: str, start: int, end: int, score: float, entity: Entity
) -> None:
    """One candidate per distinct surface, best score kept."""
    surface = text[start:end]
    previous = found.get(surface)
    if previous is None or previous.score < score:
        found[surface] = NameCandidate(
            surface, entity.entity_id, entity.canonical, round(score, 3), _context(text, start, end)
        )
