"""Language identification that knows the South Caucasus and Russia.

Four layers, each cheap, each doing what the others cannot:

1. **Script layer.** The dominant writing system picks the candidate languages. Armenian and
   Georgian are each written by one language only, Persian is the only Arabic-script language of
   the default set: those are decided here without a statistical engine.
2. **Orthography layer.** Letters a candidate's alphabet lacks: ə q (never Turkish), w (never
   Azerbaijani), ә ғ қ ң ө ұ ү һ (Kazakh only), і ї є ґ (never Russian), ы э ъ ё (never
   Ukrainian). Each costs the candidate log(1e-4); two of them take it out of the race.
3. **Lexicon layer.** wordfreq's word frequencies (en ru uk tr de fr fa; az judged through tr,
   kk through ru): the likelihood of the words in each candidate language. It settles a sentence
   alone when one language leads by e^20, and it tells single words apart ("information" is
   English, "говорит" Russian) where the n-gram engine only sees shared letter sequences.
4. **Statistical engine** among the remaining candidates: ``lingua`` (restricted to them) or
   ``langdetect`` (fixed seed, restricted profiles, az/kk through tr/ru). Its log-probabilities
   are added to the orthography penalties and the (down-weighted) lexicon evidence.

The module is pure: no file I/O of its own (the engines and wordfreq load their bundled data
once), no pipeline imports. Detectors and word tables are built lazily, once, under a lock, so
concurrent callers share them.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import repeat
from typing import Any

from transforms.records import UNDETERMINED, LanguageGuess

#: The languages of the monitored region plus the two European ones seen in the dev data.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "az", "ru", "en", "tr", "uk", "hy", "ka", "fa", "de", "fr", "kk",
)  # fmt: skip
#: Chosen by the benchmark (docs/benchmarks-langid.md): lingua is more accurate on every kind
#: of text and, with the script and orthography layers in front of it, fast enough.
DEFAULT_ENGINE = "lingua"
ENGINES: tuple[str, ...] = ("lingua", "langdetect")

#: Fewer letters than this and any guess would be noise ("16 px", "+ ↺ −", "10:30").
MIN_LETTERS = 3
#: A second language holding at least this share of an article's body letters makes it mixed:
#: below it, a quote or a caption; above it, a bilingual page (e.g. az teasers under an en story).
MIXED_SHARE = 0.2

_LETTER = re.compile(r"[^\W\d_]")
_SCRIPT_PATTERNS: dict[str, re.Pattern[str]] = {
    # \u0250-\u02AF holds ə (U+0259); Ə is U+018F in Latin Extended-B.
    "latin": re.compile(r"[A-Za-z\u00C0-\u024F\u0250-\u02AF\u1E00-\u1EFF]"),
    "cyrillic": re.compile(r"[\u0400-\u052F]"),
    "armenian": re.compile(r"[\u0530-\u058F\uFB13-\uFB17]"),
    "georgian": re.compile(r"[\u10A0-\u10FF\u1C90-\u1CBF\u2D00-\u2D2F]"),
    "arabic": re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "greek": re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF]"),
    "hebrew": re.compile(r"[\u0590-\u05FF]"),
}

_SCRIPT_RUNS = {
    script: re.compile(pattern.pattern + "+") for script, pattern in _SCRIPT_PATTERNS.items()
}
_LATIN_RUN = _SCRIPT_RUNS["latin"]
_CYRILLIC_RUN = _SCRIPT_RUNS["cyrillic"]

_LATIN_LANGUAGES = frozenset(
    [
        "af",
        "az",
        "bs",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "en",
        "eo",
        "es",
        "et",
        "eu",
        "fi",
        "fr",
        "ga",
        "hr",
        "hu",
        "id",
        "is",
        "it",
        "la",
        "lg",
        "lt",
        "lv",
        "mi",
        "ms",
        "nb",
        "nl",
        "nn",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "sn",
        "so",
        "sq",
        "st",
        "sv",
        "sw",
        "tl",
        "tn",
        "tr",
        "ts",
        "vi",
        "xh",
        "yo",
        "zu",
    ]
)
_CYRILLIC_LANGUAGES = frozenset(["be", "bg", "kk", "mk", "mn", "ru", "sr", "uk"])
_ARABIC_LANGUAGES = frozenset(["ar", "fa", "ur"])
_SCRIPT_OF: dict[str, str] = {
    **dict.fromkeys(_LATIN_LANGUAGES, "latin"),
    **dict.fromkeys(_CYRILLIC_LANGUAGES, "cyrillic"),
    **dict.fromkeys(_ARABIC_LANGUAGES, "arabic"),
    "hy": "armenian",
    "ka": "georgian",
    "el": "greek",
    "he": "hebrew",
}

# --- Homoglyphs ----------------------------------------------------------------------------
# Ukrainian web text often types Latin "i" for Cyrillic "і" ("вiн"), and Azerbaijani text picks
# up a Cyrillic "О" ("Оdlu yurd"). Inside a word that is otherwise of the other script, the
# look-alike is put back, so the script and orthography layers see what the writer meant.
_LATIN_TO_CYRILLIC = str.maketrans("aceiopxyABCEHIKMOPTXY", "асеіорхуАВСЕНІКМОРТХУ")
_CYRILLIC_TO_LATIN = str.maketrans("асеіорхуАВСЕНІКМОРТХУ", "aceiopxyABCEHIKMOPTXY")
_SCRIPT_MIX = re.compile(r"[\u0400-\u04FF][A-Za-z]|[A-Za-z][\u0400-\u04FF]")
_WORD = re.compile(r"\w+")


def _restore_homoglyphs(text: str) -> str:
    if not _SCRIPT_MIX.search(text):  # the common case, and a cheap test
        return text

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        cyrillic = len(_SCRIPT_PATTERNS["cyrillic"].findall(word))
        latin = len(_SCRIPT_PATTERNS["latin"].findall(word))
        if not (cyrillic and latin):
            return word
        table = _LATIN_TO_CYRILLIC if cyrillic >= latin else _CYRILLIC_TO_LATIN
        return word.translate(table)

    return _WORD.sub(fix, text)


# --- Orthography layer ---------------------------------------------------------------------
# Letters each language's alphabet lacks. A text using them is (almost) not in that language:
# Turkish has no ə or q, Azerbaijani no w, Russian no і ї є ґ, Ukrainian no ы э ъ ё, neither
# has the Kazakh ә ғ қ ң ө ұ ү һ, Kazakh no ї є ґ. Alphabets are facts about languages, not
# about a data set, so this evidence generalises. Only what an alphabet *lacks* counts: letters
# that are merely frequent in one language are already in the engine's n-gram models, and
# counting them twice made single words worse on the dev data (docs/language.md).
_FOREIGN_LETTERS: dict[str, str] = {
    "ru": "әғқңөұүһіїєґ",
    "uk": "әғқңөұүһыэъё",
    "kk": "їєґ",
    "az": "w",
    "tr": "əq",
    "en": "əğış",
    "de": "əğış",
    "fr": "əğış",
}
#: Log-likelihood of one foreign letter: rare but possible (a name, a quote: "Київ" in a
#: Russian text), so it costs a lot without vetoing outright. Two of them outweigh even a
#: certain engine (see _ENGINE_FLOOR), one does not.
_FOREIGN_LETTER_LOG = math.log(1e-4)


_MARKER_LETTERS = "".join(sorted(set("".join(_FOREIGN_LETTERS.values()))))
# Upper case too, except for ı whose capital is the ASCII I shared with i.
_MARKER_LETTER = re.compile(
    "[" + _MARKER_LETTERS + "".join(ch.upper() for ch in _MARKER_LETTERS if ch != "ı") + "]"
)


#: For each marker letter (lower and upper case), the languages whose alphabet lacks it.
_LACKED_BY: dict[str, tuple[str, ...]] = {}
for _lang, _letters in _FOREIGN_LETTERS.items():
    for _letter in _letters:
        for _form in {_letter, _letter.upper()} if _letter != "ı" else {_letter}:
            _LACKED_BY[_form] = (*_LACKED_BY.get(_form, ()), _lang)


def _orthography_penalties(text: str, candidates: Sequence[str]) -> dict[str, float]:
    """Log-likelihood penalty per candidate for letters its alphabet lacks (0 = none)."""
    penalties = dict.fromkeys(candidates, 0.0)
    for letter in _MARKER_LETTER.findall(text):
        for lang in _LACKED_BY[letter]:
            if lang in penalties:
                penalties[lang] += _FOREIGN_LETTER_LOG
    return penalties


# --- Lexicon layer -------------------------------------------------------------------------
# Word frequencies of the languages wordfreq covers (its "small" lists: the ~30-60k words of
# each language used at least once per million words, from Wikipedia, subtitles, news, web
# text, books; nothing here comes from our benchmark data). A word's frequency in a language
# is the likelihood of seeing it in a text of that language: "nations" is ten times as common
# in English as in French, "к" common in Russian and absent from Ukrainian. For a word or two
# this is what an n-gram engine cannot know; for a sentence it is often decisive on its own.
#: Languages with a wordfreq list (small, so every list has the same 1e-6 cut-off).
_LEXICON_LANGUAGES = frozenset(["de", "en", "fa", "fr", "ru", "tr", "uk"])
#: No wordfreq list: judged through the nearest language with one. A word the neighbour knows
#: is as likely in them as in the neighbour (shared vocabulary: "bir", "sonra", "президент"),
#: any other word has the list's cut-off frequency, a little above _LEXICON_UNSEEN. So the
#: lexicon can tell az from en but never prefers tr to az (or ru to kk): that is the engine's
#: and the orthography's job.
_LEXICON_PROXY = {"az": "tr", "kk": "ru"}
#: Log frequency of a word missing from a list, i.e. rarer than its 1e-6 cut-off.
_LEXICON_UNSEEN = math.log(3e-7)
_LEXICON_PROXY_UNSEEN = math.log(1e-6)
#: Words beyond this are not looked up (matches the engine's character cap).
_LEXICON_MAX_WORDS = 60
#: A lexicon lead of this many nats (e^20: a likelihood ratio of 5e8) over every other
#: candidate decides without the engine. On the dev sentences no lead above 15 was wrong.
_LEXICON_DECISIVE = 20.0
_LEXICON_WORD = re.compile(r"[^\W\d_]+")
# Turkish text read as Windows-1252 ("yýl", "þekilde", "deðil"): none of the lexicon
# languages uses ý þ ð, so they are read as the ı ş ğ they stand for.
_LEXICON_FOLD = str.maketrans(
    {"İ": "i", "ý": "ı", "Ý": "İ", "þ": "ş", "Þ": "Ş", "ð": "ğ", "Ð": "Ğ"}
)
_LEXICON_FOLD_NEEDED = re.compile("[İýÝþÞðÐ]")

_lexicon_lock = threading.Lock()
_LEXICON_TABLES: dict[str, dict[str, float]] = {}


@cache
def _lexicon_table(language: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return {
        word: math.log(freq)
        for word, freq in get_frequency_dict(language, "small").items()
        if word.isalpha()
    }


def _lexicon_words(text: str) -> list[str]:
    if _LEXICON_FOLD_NEEDED.search(text):  # rare; str.translate with a dict is slow
        text = text.translate(_LEXICON_FOLD)
    return _LEXICON_WORD.findall(text.lower())[:_LEXICON_MAX_WORDS]


#: Per candidate set: (language, word table, log frequency of an unseen word) of each, or
#: None when a candidate has no list at all.
_LexiconPlan = tuple[tuple[str, dict[str, float], float], ...] | None


@cache
def _lexicon_plan(candidates: tuple[str, ...]) -> _LexiconPlan:
    tables: list[tuple[str, dict[str, float], float]] = []
    for lang in candidates:
        if lang in _LEXICON_LANGUAGES:
            source, unseen = lang, _LEXICON_UNSEEN
        elif lang in _LEXICON_PROXY:
            source, unseen = _LEXICON_PROXY[lang], _LEXICON_PROXY_UNSEEN
        else:
            return None
        table = _LEXICON_TABLES.get(source)
        if table is None:
            with _lexicon_lock:
                table = _LEXICON_TABLES.setdefault(source, _lexicon_table(source))
        tables.append((lang, table, unseen))
    return tuple(tables)


def _lexicon_scores(words: Sequence[str], candidates: Sequence[str]) -> dict[str, float] | None:
    """Sum of log word frequencies per candidate; None when a candidate has no list at all."""
    tables = _lexicon_plan(tuple(candidates))
    if tables is None:
        return None
    count = len(words)
    # One C-level loop per language: table.get(word, unseen) for every word.
    return {
        lang: sum(map(table.get, words, repeat(unseen, count))) for lang, table, unseen in tables
    }


# --- Engines -------------------------------------------------------------------------------
# An engine maps texts that share one candidate set to a probability per candidate, per text.
EngineScores = Callable[[Sequence[str], tuple[str, ...]], list[dict[str, float]]]

#: Floor for an engine probability before taking its log: engines round to 0.0 freely.
_ENGINE_FLOOR = 1e-6
#: At or above this many characters lingua's low-accuracy mode (trigrams only) is as good as
#: the high-accuracy one and much faster; lingua itself switches to trigrams at 120.
_LOW_ACCURACY_MIN_CHARS = 60
#: Text beyond this is not shown to the engine: a long paragraph is decided well before it,
#: and the engines' time grows with length (lingua's trigram mode: ~0.75 µs per character on
#: top of ~20 µs). The lexicon still reads up to _LEXICON_MAX_WORDS words. On the dev sentences
#: (median 97 characters) 150 is as accurate as 400 and 1.2x faster; 120 lost one sentence.
_ENGINE_MAX_CHARS = 150

_build_lock = threading.Lock()
#: Built lingua detectors by (languages, low accuracy); built under ``_build_lock``, once each.
_lingua_detectors: dict[tuple[frozenset[str], bool], Any] = {}


def _lingua_detector(languages: frozenset[str], low_accuracy: bool) -> Any:
    key = (languages, low_accuracy)
    detector = _lingua_detectors.get(key)
    if detector is not None:
        return detector
    # The lock makes the (slow, memory-heavy) build happen once when threads race for it.
    with _build_lock:
        detector = _lingua_detectors.get(key)
        if detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in sorted(languages)]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            if low_accuracy:
                builder = builder.with_low_accuracy_mode()
            detector = _lingua_detectors[key] = builder.with_preloaded_language_models().build()
    return detector


def release_language_models() -> None:
    """Unload lingua's models (about 360 MB for the region's languages) and forget the
    detectors. Results do not change: the next detection builds them again (about 2 s)."""
    with _build_lock:
        for detector in _lingua_detectors.values():
            detector.unload_language_models()
        _lingua_detectors.clear()


@cache
def _lingua_code(language: Any) -> str:
    return str(language.iso_code_639_1.name).lower()


def _lingua_scores(texts: Sequence[str], candidates: tuple[str, ...]) -> list[dict[str, float]]:
    if "uk" in candidates:
        # lingua 2.1.1 drops Ukrainian from the running as soon as a text has "щ" ("що" comes
        # out Russian, "що це тобі відомо" Kazakh); "ш" keeps the word's shape for everyone.
        texts = [text.replace("щ", "ш").replace("Щ", "Ш") for text in texts]
    languages = frozenset(candidates)
    results: list[dict[str, float]] = [{} for _ in texts]
    for low_accuracy in (False, True):
        indices = [
            i
            for i, text in enumerate(texts)
            if (len(text) >= _LOW_ACCURACY_MIN_CHARS) is low_accuracy
        ]
        if not indices:
            continue
        detector = _lingua_detector(languages, low_accuracy)
        if len(indices) == 1:
            batches = [detector.compute_language_confidence_values(texts[indices[0]])]
        else:  # one call into Rust for the lot: less Python per text (and threads if free)
            batches = detector.compute_language_confidence_values_in_parallel(
                [texts[i] for i in indices]
            )
        for i, values in zip(indices, batches, strict=True):
            results[i] = {_lingua_code(value.language): value.value for value in values}
    return results


#: langdetect has no model for these; it is asked about the nearest language it knows and the
#: orthography layer splits the pair.
_LANGDETECT_PROXY = {"az": "tr", "kk": "ru"}


@cache
def _langdetect_factory(profiles: frozenset[str]) -> Any:
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    # Only the profiles asked for: a factory knowing 55 languages calls Azerbaijani Estonian
    # or Slovak as readily as Turkish.
    root = resources.files("langdetect") / "profiles"
    factory.load_json_profile([(root / code).read_text("utf-8") for code in sorted(profiles)])
    factory.seed = 0  # on the instance: determinism without touching the global class
    return factory


def _langdetect_scores(texts: Sequence[str], candidates: tuple[str, ...]) -> list[dict[str, float]]:
    proxies = {_LANGDETECT_PROXY.get(lang, lang) for lang in candidates}
    known = frozenset(p for p in proxies if _langdetect_has_profile(p))
    if len(known) < 2:  # langdetect needs two profiles; nothing to choose between anyway
        return [dict.fromkeys(candidates, 1.0) for _ in texts]
    with _build_lock:
        factory = _langdetect_factory(known)
    return [_langdetect_one(factory, text, candidates) for text in texts]


def _langdetect_one(factory: Any, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    from langdetect.lang_detect_exception import LangDetectException

    detector = factory.create()
    detector.append(text)
    try:
        probabilities = {p.lang: p.prob for p in detector.get_probabilities()}
    except LangDetectException:
        return {}
    # A language judged through its proxy gets half the proxy's probability: without
    # orthographic evidence (ə, q; ә ғ қ ...) the text is the proxy's, not its neighbour's.
    return {
        lang: probabilities.get(_LANGDETECT_PROXY.get(lang, lang), 0.0)
        * (0.5 if lang in _LANGDETECT_PROXY else 1.0)
        for lang in candidates
    }


@cache
def _langdetect_has_profile(code: str) -> bool:
    return (resources.files("langdetect") / "profiles" / code).is_file()


_ENGINE_SCORES: dict[str, EngineScores] = {
    "lingua": _lingua_scores,
    "langdetect": _langdetect_scores,
}


# --- Decision ------------------------------------------------------------------------------
#: Confidence ceiling by letter count: a single short word is right about nine times in ten
#: whatever the engine says (dev data, docs/benchmarks-langid.md), so it cannot claim 0.99.
_CONFIDENCE_CEILING: tuple[tuple[int, float], ...] = ((6, 0.8), (10, 0.88), (20, 0.94))
#: langdetect's probabilities on a word or two are overconfident (dev data: 87 % of its
#: single-word guesses at >= 0.9 right), so its ceiling stays lower for longer.
_ENGINE_CEILINGS: dict[str, tuple[tuple[int, float], ...]] = {
    "langdetect": ((20, 0.8), (40, 0.95)),
}
#: A script written by one candidate language only: the guess is as good as the script share.
_SCRIPT_ONLY_CONFIDENCE = 0.99
#: Decided by letters the other candidates' alphabets lack, at least two of them.
_ORTHOGRAPHY_ONLY_CONFIDENCE = 0.99
#: Decided by the lexicon alone (a lead of at least _LEXICON_DECISIVE nats).
_LEXICON_ONLY_CONFIDENCE = 0.99


@dataclass(frozen=True, slots=True)
class _Prepared:
    text: str
    letters: int
    script: str
    script_share: float


_ASCII_LETTER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _prepare(text: str) -> _Prepared | None:
    if text.isascii():  # all English and most page chrome: every letter is Latin
        # The ASCII letters are A-Z and a-z (str.isalpha's), counted at C speed.
        letters = len(text) - len(text.encode("ascii").translate(None, _ASCII_LETTER_BYTES))
        if letters < MIN_LETTERS:
            return None
        return _Prepared(text, letters, "latin", 1.0)
    # str.isalpha is the letter test of [^\W\d_] at a third of the regex's cost.
    letters = sum(map(str.isalpha, text))
    if letters < MIN_LETTERS:
        return None
    if _LATIN_RUN.search(text) and _CYRILLIC_RUN.search(text):  # both: look-alikes possible
        text = _restore_homoglyphs(text)
    best_script, best_count = "other", 0
    for script, pattern in _SCRIPT_RUNS.items():
        count = sum(map(len, pattern.findall(text)))  # runs, not characters: fewer objects
        if count > best_count:
            best_script, best_count = script, count
            if 2 * count > letters:  # a majority: no other script can beat it
                break
    return _Prepared(text, letters, best_script, best_count / letters)


@lru_cache(maxsize=256)
def _candidates_for(script: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    # Languages of an unknown script stay in every race: the engine will judge them.
    return tuple(lang for lang in languages if _SCRIPT_OF.get(lang, script) == script)


def _ceiling(letters: int, ceilings: tuple[tuple[int, float], ...] = _CONFIDENCE_CEILING) -> float:
    for max_letters, ceiling in ceilings:
        if letters <= max_letters:
            return ceiling
    return 1.0


@dataclass(frozen=True, slots=True)
class _EngineQuestion:
    """What is left for the engine once the script and orthography layers have spoken."""

    text: str
    letters: int
    alive: tuple[str, ...]
    penalties: dict[str, float]
    #: Lexicon log-likelihoods per alive candidate (None: a candidate has no word list) and
    #: the number of words they sum over.
    lexicon: dict[str, float] | None
    words: int


def _settle_without_engine(
    text: str, languages: tuple[str, ...]
) -> LanguageGuess | _EngineQuestion:
    prepared = _prepare(text)
    if prepared is None:
        return LanguageGuess(UNDETERMINED, 0.0)
    candidates = _candidates_for(prepared.script, languages)
    if not candidates:  # a script none of the configured languages is written in
        return LanguageGuess(UNDETERMINED, 0.0)
    if len(candidates) == 1:
        confidence = _SCRIPT_ONLY_CONFIDENCE * min(1.0, prepared.script_share)
        return LanguageGuess(candidates[0], round(min(confidence, _ceiling(prepared.letters)), 4))
    penalties = _orthography_penalties(prepared.text, candidates)
    # A candidate further behind the best than the engine could ever make up (its probability
    # is floored at _ENGINE_FLOOR) cannot win: drop it before asking the engine, which is then
    # cheaper, or not needed at all ("Sərhəddə gərginlik" is Azerbaijani by its ə alone).
    best_penalty = max(penalties.values())
    reachable = math.log(_ENGINE_FLOOR)
    alive = tuple(lang for lang in candidates if penalties[lang] - best_penalty > reachable)
    if len(alive) == 1:
        confidence = min(_ORTHOGRAPHY_ONLY_CONFIDENCE, _ceiling(prepared.letters))
        return LanguageGuess(alive[0], confidence)
    words = _lexicon_words(prepared.text)
    lexicon = _lexicon_scores(words, alive)
    if lexicon is not None:
        # A sentence whose words a single language's list knows far better than any other's
        # is decided here: the engine would only agree, at several times the cost.
        totals = {lang: lexicon[lang] + penalties[lang] for lang in alive}
        best = max(alive, key=lambda lang: (totals[lang], lang))
        if best in _LEXICON_LANGUAGES and all(
            totals[best] - totals[lang] >= _LEXICON_DECISIVE for lang in alive if lang != best
        ):
            confidence = min(_LEXICON_ONLY_CONFIDENCE, _ceiling(prepared.letters))
            return LanguageGuess(best, confidence)
    # Beyond _ENGINE_MAX_CHARS more text only costs time: the engine is sure by then.
    return _EngineQuestion(
        prepared.text[:_ENGINE_MAX_CHARS], prepared.letters, alive, penalties, lexicon, len(words)
    )


def _combine(
    question: _EngineQuestion, engine_scores: Mapping[str, float], engine: str
) -> LanguageGuess:
    log_scores = {
        lang: math.log(max(engine_scores.get(lang, 0.0), _ENGINE_FLOOR)) + question.penalties[lang]
        for lang in question.alive
    }
    if question.lexicon is not None and question.words:
        # The lexicon's words are not independent evidence beside the engine's n-grams of the
        # same words: its weight falls with the number of words (1 for a single word).
        weight = question.words**-0.5
        lexicon = question.lexicon
        if engine == "langdetect":
            # langdetect already scores az as tr and kk as ru (at half the probability, so
            # the real language wins without orthographic evidence); the lexicon, which also
            # judges them through tr and ru, must not split such a pair the other way.
            lexicon = {
                lang: lexicon.get(_LANGDETECT_PROXY.get(lang, lang), lexicon[lang])
                for lang in question.alive
            }
        for lang in question.alive:
            log_scores[lang] += weight * lexicon[lang]
    best = max(log_scores, key=lambda lang: (log_scores[lang], lang))
    top = log_scores[best]
    posterior = 1.0 / sum(math.exp(score - top) for score in log_scores.values())
    ceiling = _ceiling(question.letters, _ENGINE_CEILINGS.get(engine, _CONFIDENCE_CEILING))
    return LanguageGuess(best, round(min(posterior, ceiling), 4))


def _resolve(engine: str | None, languages: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    engine = DEFAULT_ENGINE if engine is None else engine
    if engine not in _ENGINE_SCORES:
        raise ValueError(f"unknown language engine {engine!r}; expected one of {ENGINES}")
    chosen = DEFAULT_LANGUAGES if languages is None else tuple(dict.fromkeys(languages))
    if not chosen:
        raise ValueError("languages must name at least one ISO 639-1 code")
    return engine, chosen


def detect_language(
    text: str, *, engine: str | None = None, languages: Sequence[str] | None = None
) -> LanguageGuess:
    """The language of ``text`` as an ISO 639-1 code with a calibrated confidence.

    ``"und"`` (confidence 0) when the text has fewer than ``MIN_LETTERS`` letters or is written
    in a script none of ``languages`` uses. ``engine`` is ``"lingua"`` or ``"langdetect"``
    (default ``DEFAULT_ENGINE``), ``languages`` ISO 639-1 codes (default
    ``DEFAULT_LANGUAGES``). Deterministic; raises only on an unknown engine or empty
    ``languages``, never because of the text.
    """
    engine, chosen = _resolve(engine, languages)
    settled = _settle_without_engine(text, chosen)
    if isinstance(settled, LanguageGuess):
        return settled
    scores = _ENGINE_SCORES[engine]([settled.text], settled.alive)[0]
    return _combine(settled, scores, engine)


def detect_languages(
    texts: Sequence[str],
    *,
    engine: str | None = None,
    languages: Sequence[str] | None = None,
    remember: bool | None = None,
) -> list[LanguageGuess]:
    """``detect_language`` over many texts (e.g. the paragraphs of a batch of articles).

    Same results as one call per text; texts that need the engine are grouped by candidate
    set so each group is one call into it, and a text repeated in ``texts`` is judged once.
    With ``remember``, texts seen in earlier calls (a line of page chrome, a paragraph several
    outlets reprint) are answered from a bounded per-process cache (``clear_language_cache``
    empties it). ``remember=None`` (the default) remembers for the default engine and
    languages only, i.e. the pipeline's calls, so that a benchmark or an experiment naming its
    engine measures the detection itself.
    """
    if remember is None:
        remember = engine is None and languages is None
    engine, chosen = _resolve(engine, languages)
    cache = _guess_cache(engine, chosen) if remember else _GuessCache(remember=False)
    results: list[LanguageGuess | None] = [None] * len(texts)
    unknown: dict[str, list[int]] = {}  # each distinct text not in the cache: its positions
    for index, text in enumerate(texts):
        cached = cache.get(text)
        if cached is None:
            unknown.setdefault(text, []).append(index)
        else:
            results[index] = cached
    pending: dict[tuple[str, ...], list[tuple[str, _EngineQuestion]]] = {}
    for text, indices in unknown.items():
        settled = _settle_without_engine(text, chosen)
        if isinstance(settled, LanguageGuess):
            cache.put(text, settled)
            for index in indices:
                results[index] = settled
        else:
            pending.setdefault(settled.alive, []).append((text, settled))
    for alive, questions in pending.items():
        scores = _ENGINE_SCORES[engine]([question.text for _, question in questions], alive)
        for (text, question), engine_scores in zip(questions, scores, strict=True):
            guess = _combine(question, engine_scores, engine)
            cache.put(text, guess)
            for index in unknown[text]:
                results[index] = guess
    return [guess for guess in results if guess is not None]


#: Characters of text the guess cache of one engine and language set may hold (a few MB).
_CACHE_MAX_CHARS = 4_000_000
#: A text longer than this is not cached: it would push out many lines for one.
_CACHE_MAX_TEXT = 4_000


class _GuessCache:
    """Guesses by text, oldest out first once the texts exceed ``_CACHE_MAX_CHARS``."""

    def __init__(self, *, remember: bool = True) -> None:
        self._guesses: dict[str, LanguageGuess] = {}
        self._chars = 0
        self._lock = threading.Lock()
        self._remember = remember  # False: a stand-in that never holds anything

    def get(self, text: str) -> LanguageGuess | None:
        return self._guesses.get(text)  # one dict read: atomic, no lock needed

    def put(self, text: str, guess: LanguageGuess) -> None:
        if not self._remember or len(text) > _CACHE_MAX_TEXT:
            return
        with self._lock:
            if text in self._guesses:
                return
            self._guesses[text] = guess
            self._chars += len(text)
            while self._chars > _CACHE_MAX_CHARS:
                oldest = next(iter(self._guesses))
                del self._guesses[oldest]
                self._chars -= len(oldest)

    def clear(self) -> None:
        with self._lock:
            self._guesses.clear()
            self._chars = 0


_caches_lock = threading.Lock()
_GUESS_CACHES: dict[tuple[str, tuple[str, ...]], _GuessCache] = {}


def _guess_cache(engine: str, languages: tuple[str, ...]) -> _GuessCache:
    key = (engine, languages)
    cache = _GUESS_CACHES.get(key)
    if cache is None:
        with _caches_lock:
            cache = _GUESS_CACHES.setdefault(key, _GuessCache())
    return cache


def clear_language_cache() -> None:
    """Forget the guesses ``detect_languages`` remembers (results do not change either way)."""
    with _caches_lock:
        for cache in _GUESS_CACHES.values():
            cache.clear()


# --- Article level -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ArticleLanguage:
    """An article's language: the one most of its body letters are in.

    ``shares`` are (language, share of determined body letters), largest first; ``mixed`` is
    True when the runner-up holds at least ``MIXED_SHARE`` of them.
    """

    guess: LanguageGuess
    shares: tuple[tuple[str, float], ...]
    mixed: bool


def aggregate_language(parts: Sequence[tuple[LanguageGuess, int]]) -> ArticleLanguage:
    """Combine per-paragraph guesses, each weighted by its length in letters.

    Undetermined and empty parts are ignored. The confidence is the letter-weighted mean
    confidence of the winning language's paragraphs times its share: a 60/40 article is less
    certainly "the" language than a monolingual one.
    """
    letters_by_lang: dict[str, int] = {}
    weighted_confidence: dict[str, float] = {}
    for guess, letters in parts:
        if guess.lang == UNDETERMINED or letters <= 0:
            continue
        letters_by_lang[guess.lang] = letters_by_lang.get(guess.lang, 0) + letters
        weighted_confidence[guess.lang] = (
            weighted_confidence.get(guess.lang, 0.0) + guess.confidence * letters
        )
    total = sum(letters_by_lang.values())
    if total == 0:
        return ArticleLanguage(LanguageGuess(UNDETERMINED, 0.0), (), False)
    ranked = sorted(letters_by_lang.items(), key=lambda item: (-item[1], item[0]))
    shares = tuple((lang, round(count / total, 4)) for lang, count in ranked)
    best, best_letters = ranked[0]
    confidence = weighted_confidence[best] / best_letters * (best_letters / total)
    mixed = len(ranked) > 1 and ranked[1][1] / total >= MIXED_SHARE
    return ArticleLanguage(LanguageGuess(best, round(confidence, 4)), shares, mixed)


__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_LANGUAGES",
    "ENGINES",
    "MIN_LETTERS",
    "MIXED_SHARE",
    "ArticleLanguage",
    "aggregate_language",
    "clear_language_cache",
    "detect_language",
    "detect_languages",
]
