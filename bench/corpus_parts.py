"""Building blocks of the benchmark corpus (``bench/make_corpus.py``): outlets and their chrome,
spelling variants of names, date formats, scraper-damage letters.

Everything here is data. The text itself comes from real sources read at run time (the sample
articles in ``seeds/articles/`` and the development sets in ``../shared/benchmarks/``); this
module only holds the recurring page furniture of each outlet and the spellings the press uses,
so that the corpus stays byte-identical for a given seed even when ``seeds/aliases.csv`` or
``seeds/outlets.csv`` change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_AZ = (
    "yanvar", "fevral", "mart", "aprel", "may", "iyun",
    "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr",
)  # fmt: skip
MONTHS_RU_GEN = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
MONTHS_HY_GEN = (
    "հունվարի", "փետրվարի", "մարտի", "ապրիլի", "մայիսի", "հունիսի",
    "հուլիսի", "օգոստոսի", "սեպտեմբերի", "հոկտեմբերի", "նոյեմբերի", "դեկտեմբերի",
)  # fmt: skip
MONTHS_KA = (
    "იანვარი", "თებერვალი", "მარტი", "აპრილი", "მაისი", "ივნისი",
    "ივლისი", "აგვისტო", "სექტემბერი", "ოქტომბერი", "ნოემბერი", "დეკემბერი",
)  # fmt: skip

# Placeholders available in widget and dateline formats (filled by make_corpus.date_fields):
# {Y} 2024, {yy} 24, {m} 04, {d} 23, {day} 23 (no zero), {H} 14, {M} 05,
# {mon_en} April, {MON_EN} APRIL, {mon_en3} Apr, {mon_az} aprel, {Mon_az} Aprel,
# {mon_ru} апреля, {MON_RU} АПРЕЛЯ, {mon_ru3} апр, {mon_hy} ապրիլի, {mon_ka} აპრილი,
# {views} a view counter.

# ---------------------------------------------------------------------------------------------
# Outlets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    """One outlet's page furniture. Per-language tuples are keyed by ISO 639-1 code."""

    name: str
    domain: str
    weight: float
    languages: tuple[tuple[str, float], ...]
    url: str  # "{slug}", "{id}", "{lang}", "{Y}", "{m}", "{d}" placeholders
    widgets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # date-bearing lines
    datelines: dict[str, tuple[str, ...]] = field(default_factory=dict)  # first-paragraph prefix
    header: tuple[str, ...] = ()  # navigation lines above the article
    footer: dict[str, tuple[str, ...]] = field(default_factory=dict)  # share / follow lines
    signature: str | None = None  # last line, e.g. "News.Az"
    end_mark: str | None = None  # glued to the last sentence, e.g. " — 0—"
    review_teasers: bool = False  # "Leave a review" + teaser list in other languages
    teaser_heading: dict[str, str] = field(default_factory=dict)  # "Other news" heading
    caption: float = 0.0  # probability of a photo caption line
    repeat_title: float = 0.0  # probability the title line is printed twice
    blank_lines: bool = True  # paragraphs separated by a blank line
    chrome: float = 0.85  # probability that the page chrome was scraped at all


OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        name="News.Az",
        domain="news.az",
        weight=14,
        languages=(("en", 0.7), ("ru", 0.15), ("az", 0.15)),
        url="https://news.az/news/{slug}",
        widgets={"*": (" date {Y}-{m}-{d} + ↺ − 16 px",)},
        footer={
            "en": ("Follow us on social networks", "News Line"),
            "ru": ("Подписывайтесь на нас в социальных сетях", "Лента новостей"),
            "az": ("Bizi sosial şəbəkələrdə izləyin", "Xəbər lenti"),
        },
        signature="News.Az",
        review_teasers=True,
        repeat_title=0.3,
    ),
    Outlet(
        name="Turan",
        domain="turan.az",
        weight=10,
        languages=(("en", 0.6), ("ru", 0.2), ("az", 0.2)),
        url="https://turan.az/{Y}/{m}/{lang}/{slug}-{id}",
        datelines={
            "en": ("Bakı/{d}.{m}.{yy}/Turan: ", "Baku/{d}.{m}.{yy}/Turan: "),
            "az": ("Bakı/{d}.{m}.{yy}/Turan: ",),
            "ru": ("Баку/{d}.{m}.{yy}/Туран: ",),
        },
        end_mark=" — 0—",
        review_teasers=True,
        caption=0.35,
        blank_lines=False,
    ),
    Outlet(
        name="Modern.az",
        domain="modern.az",
        weight=7,
        languages=(("az", 0.7), ("en", 0.2), ("ru", 0.1)),
        url="https://modern.az/{lang}/news/{id}",
        widgets={"*": ("{day} {Mon_az} {Y} {H}:{M}", "{day} {Mon_az} {Y} {H}:{M}  |  {views}")},
        footer={
            "az": ("Paylaş:", "Facebook  Twitter  WhatsApp  Telegram"),
            "en": ("Share:", "Facebook  Twitter  WhatsApp  Telegram"),
            "ru": ("Поделиться:", "Facebook  Twitter  WhatsApp  Telegram"),
        },
        signature="Modern.az",
        teaser_heading={"az": "Digər xəbərlər", "en": "Other news", "ru": "Другие новости"},
        caption=0.2,
        blank_lines=False,
    ),
    Outlet(
        name="APA",
        domain="apa.az",
        weight=8,
        languages=(("az", 0.4), ("en", 0.35), ("ru", 0.25)),
        url="https://apa.az/{lang}/{slug}-{id}",
        widgets={
            "en": ("{day} {mon_en} {Y} {H}:{M} (UTC +04:00)",),
            "az": ("{day} {mon_az} {Y} {H}:{M} (UTC +04:00)",),
            "ru": ("{day} {mon_ru} {Y} {H}:{M} (UTC +04:00)",),
        },
        footer={
            "en": ("Follow APA on Telegram", "Share on Facebook  Share on X"),
            "az": ("APA-nın Telegram kanalına abunə olun", "Paylaş"),
            "ru": ("Подписывайтесь на Telegram-канал APA", "Поделиться"),
        },
        teaser_heading={"az": "Digər xəbərlər", "en": "Latest news", "ru": "Последние новости"},
        caption=0.25,
    ),
    Outlet(
        name="Trend",
        domain="trend.az",
        weight=8,
        languages=(("en", 0.5), ("ru", 0.3), ("az", 0.2)),
        url="https://www.trend.az/{lang}/{slug}-{id}.html",
        widgets={
            "en": ("Politics Materials {day} {mon_en} {Y} {H}:{M} (UTC +04:00)",),
            "ru": ("Политика Материалы {day} {mon_ru} {Y} {H}:{M} (UTC +04:00)",),
            "az": ("Siyasət Materiallar {day} {mon_az} {Y} {H}:{M} (UTC +04:00)",),
        },
        datelines={
            "en": ("BAKU, Azerbaijan, {mon_en} {day}. ",),
            "ru": ("БАКУ /Trend/ - ",),
            "az": ("Bakı. Trend: ",),
        },
        footer={
            "en": ("Stay up-to-date with more news on Trend News Agency's WhatsApp channel",),
            "ru": ("Следите за новостями Trend в WhatsApp-канале",),
            "az": ("Trend-in WhatsApp kanalına qoşulun",),
        },
    ),
    Outlet(
        name="Report.az",
        domain="report.az",
        weight=7,
        languages=(("az", 0.4), ("en", 0.35), ("ru", 0.25)),
        url="https://report.az/{lang}/{slug}",
        widgets={
            "en": ("{day} {mon_en}, {Y} {H}:{M}",),
            "az": ("{day} {mon_az}, {Y} {H}:{M}",),
            "ru": ("{day} {mon_ru}, {Y} {H}:{M}",),
        },
        datelines={
            "en": ("Baku. {day} {mon_en}. REPORT.AZ/ ",),
            "az": ("Bakı. {day} {mon_az}. REPORT.AZ/ ",),
            "ru": ("Баку. {day} {mon_ru}. REPORT.AZ/ ",),
        },
        footer={
            "en": ("Follow us on Google News", "Follow Report.az on Telegram"),
            "az": ("Report.az-ı Google News-da izləyin",),
            "ru": ("Читайте Report.az в Google News",),
        },
    ),
    Outlet(
        name="AZERTAC",
        domain="azertag.az",
        weight=5,
        languages=(("en", 0.5), ("az", 0.3), ("ru", 0.2)),
        url="https://azertag.az/{lang}/xeber/{slug}-{id}",
        widgets={"*": ("{d}.{m}.{Y} [{H}:{M}]",)},
        datelines={
            "en": ("Baku, {mon_en} {day}, AZERTAC. ",),
            "az": ("Bakı, {day} {mon_az} (AZƏRTAC). ",),
            "ru": ("Баку, {day} {mon_ru} (АЗЕРТАДЖ). ",),
        },
        signature="© Azerbaijan State News Agency",
    ),
    Outlet(
        name="JAMnews",
        domain="jam-news.net",
        weight=6,
        languages=(("en", 0.6), ("ru", 0.4)),
        url="https://jam-news.net/{slug}/",
        widgets={"en": ("{mon_en} {day}, {Y}",), "ru": ("{day} {mon_ru} {Y}",)},
        header=("JAMnews", "Azerbaijan  Armenia  Georgia  Region"),
        footer={
            "en": ("Share this article", "Follow JAMnews on Telegram"),
            "ru": ("Поделиться", "Подписывайтесь на JAMnews в Telegram"),
        },
        caption=0.2,
    ),
    Outlet(
        name="Armenpress",
        domain="armenpress.am",
        weight=6,
        languages=(("en", 0.55), ("ru", 0.25), ("hy", 0.2)),
        url="https://armenpress.am/{lang}/article/{id}",
        widgets={"*": ("{H}:{M}, {day} {mon_en} {Y}",)},
        datelines={
            "en": ("YEREVAN, {MON_EN} {day}, ARMENPRESS. ",),
            "ru": ("ЕРЕВАН, {day} {MON_RU}. АРМЕНПРЕСС. ",),
            "hy": ("ԵՐԵՎԱՆ, {day} {mon_hy}, ԱՐՄԵՆՊՐԵՍ: ",),
        },
        footer={"*": ("Share",)},
    ),
    Outlet(
        name="TASS",
        domain="tass.ru",
        weight=4,
        languages=(("ru", 0.8), ("en", 0.2)),
        url="https://tass.ru/politika/{id}",
        datelines={
            "ru": ("МОСКВА, {day} {mon_ru}. /ТАСС/. ", "БАКУ, {day} {mon_ru}. /ТАСС/. "),
            "en": ("MOSCOW, {mon_en} {day}. /TASS/. ",),
        },
        widgets={"ru": ("{day} {mon_ru} {Y}, {H}:{M}",), "en": ("{day} {mon_en3} {Y}, {H}:{M}",)},
        footer={"ru": ("Подписывайтесь на ТАСС в Telegram",), "en": ("Follow TASS on Telegram",)},
    ),
    Outlet(
        name="Interfax",
        domain="interfax.ru",
        weight=3,
        languages=(("ru", 1.0),),
        url="https://www.interfax.ru/world/{id}",
        datelines={"ru": ("Москва. {day} {mon_ru}. INTERFAX.RU - ",)},
        widgets={"ru": ("{day} {mon_ru} {Y} {H}:{M}",)},
    ),
    Outlet(
        name="Sputnik",
        domain="sputnik.az",
        weight=3,
        languages=(("ru", 0.6), ("az", 0.4)),
        url="https://sputnik.az/{Y}{m}{d}/{slug}-{id}.html",
        datelines={
            "ru": ("БАКУ, {day} {mon_ru} — Sputnik. ",),
            "az": ("BAKI, {day} {mon_az} — Sputnik. ",),
        },
        widgets={"*": ("{H}:{M} {d}.{m}.{Y}",)},
    ),
    Outlet(
        name="Civil.ge",
        domain="civil.ge",
        weight=3,
        languages=(("en", 0.75), ("ka", 0.25)),
        url="https://civil.ge/archives/{id}",
        widgets={"en": ("{d}/{m}/{Y} - {H}:{M}",), "ka": ("{day} {mon_ka}, {Y}",)},
        footer={"*": ("Share this:", "Facebook  X  Telegram")},
    ),
    Outlet(
        name="Oxu.az",
        domain="oxu.az",
        weight=3,
        languages=(("az", 1.0),),
        url="https://oxu.az/siyaset/{id}",
        widgets={"az": ("{day} {mon_az} {Y} {H}:{M}",)},
        footer={"az": ("Oxu.az-ı Telegram-da izləyin",)},
        teaser_heading={"az": "Xəbər lenti"},
    ),
    Outlet(
        name="Caliber.az",
        domain="caliber.az",
        weight=3,
        languages=(("en", 0.7), ("ru", 0.3)),
        url="https://caliber.az/{lang}/post/{slug}",
        widgets={"en": ("{day} {mon_en} {Y} {H}:{M}",), "ru": ("{day} {mon_ru} {Y} {H}:{M}",)},
        footer={
            "en": ("Caliber.Az on X", "Subscribe to our Telegram channel"),
            "ru": ("Caliber.Az в X", "Подписывайтесь на наш Telegram-канал"),
        },
    ),
)

# Captions under the lead photo: "<who>. <credit>" in the article's or the outlet's language.
CAPTION_CREDITS = {
    "az": ("İllüstrasiya: Reuters", "Foto: APA", "Foto: AFP", "Foto arxiv"),
    "en": ("Photo: Reuters", "Photo: AFP", "Illustrative photo", "Photo: archive"),
    "ru": ("Фото: ТАСС", "Фото: Reuters", "Иллюстративное фото", "Фото из архива"),
}

# Who appears in captions, per language (official or press spellings).
CAPTION_PEOPLE = {
    "az": (
        "Sergey Lavrov", "Sergey Şoyqu", "İlham Əliyev", "Nikol Paşinyan", "Ceyhun Bayramov",
        "Elxan Şahinoğlu", "Ərəstun Oruclu", "İlqar Vəlizadə", "Vladimir Putin",
        "Rusiya XİN və Müdafiə nazirliyinin rəhbərləri Sergey Lavrov və Sergey Şoyqu",
    ),
    "en": (
        "Sergey Lavrov", "Sergei Shoigu", "Ilham Aliyev", "Nikol Pashinyan", "Jeyhun Bayramov",
        "Elkhan Shahinoglu", "Vladimir Putin", "Hikmet Hajiyev", "Mikhail Yevdokimov",
    ),
    "ru": (
        "Сергей Лавров", "Сергей Шойгу", "Ильхам Алиев", "Никол Пашинян", "Джейхун Байрамов",
        "Владимир Путин", "Дмитрий Песков", "Эльхан Шахиноглу",
    ),
}  # fmt: skip

# "Leave a review" block: outlets print it before a list of teasers in other languages.
REVIEW_LINE = "Leave a review"

# ---------------------------------------------------------------------------------------------
# Spelling variants substituted into English body text (first = canonical).
# Longer names come first in the matcher, so "Nagorno-Karabakh" is not split into "Karabakh".
# Contested pairs (Karabakh/Artsakh, Kalbajar/Karvachar, ...) are different names and are never
# swapped for each other.
# ---------------------------------------------------------------------------------------------

NAME_VARIANTS: dict[str, tuple[str, ...]] = {
    "Nagorno-Karabakh": (
        "Nagorno-Karabakh", "Nagorno Karabakh", "Daghlig Garabagh", "Nagorny Karabakh",
        "Mountainous Karabakh", "Dağlıq Qarabağ",
    ),
    "Karabakh": ("Karabakh", "Garabagh", "Qarabağ", "Karabagh", "Garabakh", "Gharabagh"),
    "Elkhan Shahinoglu": (
        "Elkhan Shahinoglu", "Elhan Shainoglu", "Elxan Şahinoğlu", "Elkhan Shainoglu",
        "Elhan Shahinoglu",
    ),
    "Shahinoglu": ("Shahinoglu", "Shainoglu", "Şahinoğlu"),
    "Shoigu": ("Shoigu", "Shoygu", "Şoyqu"),
    "Sergey Lavrov": ("Sergey Lavrov", "Sergei Lavrov", "Serghey Lavrov"),
    "Arastun Orujlu": ("Arastun Orujlu", "Ərəstun Oruclu", "Arastun Orudzhlu"),
    "Orujlu": ("Orujlu", "Oruclu"),
    "Ilgar Velizade": ("Ilgar Velizade", "İlqar Vəlizadə", "Ilgar Valizade"),
    "Pashinyan": ("Pashinyan", "Pashinian", "Paşinyan"),
    "Zelensky": ("Zelensky", "Zelenskyy", "Zelenskiy"),
    "Volodymyr Zelensky": ("Volodymyr Zelensky", "Volodymyr Zelenskyy", "Vladimir Zelensky"),
    "Hikmet Hajiyev": ("Hikmet Hajiyev", "Hikmət Hacıyev", "Hikmet Gadzhiev", "Hikmat Hajiyev"),
    "Dmitry Peskov": ("Dmitry Peskov", "Dmitri Peskov", "Dmitriy Peskov"),
    "Alexander Lukashenko": (
        "Alexander Lukashenko", "Aleksandr Lukashenko", "Alyaksandr Lukashenka",
    ),
    "Lukashenko": ("Lukashenko", "Lukashenka"),
    "Mikhail Yevdokimov": ("Mikhail Yevdokimov", "Mikhail Evdokimov"),
    "Eldar Ibrahimov": ("Eldar Ibrahimov", "Eldar Ibragimov"),
    "Aghil Abbas": ("Aghil Abbas", "Ağıl Abbas", "Aqil Abbas"),
    "I. Aliyev": ("I. Aliyev", "İ. Əliyev", "I. Aliev"),
    "Kalbajar": ("Kalbajar", "Kelbajar", "Kəlbəcər", "Kalbacar"),
    "Lachin": ("Lachin", "Laçın"),
    "Zangezur": ("Zangezur", "Zəngəzur", "Zangazur"),
    "Kharkiv": ("Kharkiv", "Kharkov"),
    "Donbas": ("Donbas", "Donbass"),
    "Tbilisi": ("Tbilisi", "Tiflis"),
    "Yerevan": ("Yerevan", "Erevan"),
    "Baku": ("Baku", "Bakı"),
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Scraper damage: the first letter of a sentence replaced by an unrelated accented Latin letter
# (sample 002: Īccording, īelarus, Įxperts). Letters an Azerbaijani/Turkish/German/French name
# could start with are not used: those are names, not damage. The first three repeat to weigh
# the sample's own letters.
# ---------------------------------------------------------------------------------------------

DAMAGE_LETTERS = "ĪĪĪīīĮĮĮįĒēĀāŌōŪūĘęĄąŘřŽžŇňĎďŤťĻļĶķŅņĖėŲų"

# ---------------------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------------------

BINARY_HEADERS: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"PK\x03\x04\x14\x00\x06\x00",
    b"",
)

# ---------------------------------------------------------------------------------------------
# URL slugs
# ---------------------------------------------------------------------------------------------

_TRANSLIT = {
    "ə": "e", "ı": "i", "ş": "sh", "ç": "ch", "ğ": "gh", "ö": "o", "ü": "u", "İ": "i", "â": "a",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
}  # fmt: skip
SLUG_TABLE = str.maketrans(_TRANSLIT)
