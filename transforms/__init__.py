"""Pure transforms of newsetl: values in, values out (no files, Prefect or DuckDB).

The two stable entry points for users' scripts are ``detect_language`` and
``strip_boilerplate``; the record types live in ``transforms.records``.
"""

from transforms.boilerplate import strip_boilerplate
from transforms.language import detect_language
from transforms.records import LanguageGuess

__all__ = ["LanguageGuess", "detect_language", "strip_boilerplate"]
