"""Schemathesis hooks of the API contract test (loaded through ``SCHEMATHESIS_HOOKS``).

The attachment operation declares the file kinds it takes (``encoding.file.contentType``); these
strategies send a real, small file of each kind, so a schema-valid upload is one the server can
accept (any bytes labelled ``image/png`` would not be, and should not be). The visitor's ID number
has the format ``cn-resident-id`` (a check digit no pattern can express): the strategy draws real ones.
"""

from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import FILE_SAMPLES

for media_type, sample in (("image/jpeg", "jpg"), ("image/png", "png"), ("image/webp", "webp"),
                           ("application/pdf", "pdf")):
    schemathesis.openapi.media_type(media_type, st.just(FILE_SAMPLES[sample]))


@st.composite
def _resident_id(draw: st.DrawFn) -> str:
    """A valid mainland resident ID: an area code, a birth date in the past, a sequence, its check digit."""
    from engine.identity import resident_id_check_digit

    area = draw(st.sampled_from(["440305", "110101", "310104", "510107"]))
    born = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)))
    first17 = f"{area}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + resident_id_check_digit(first17)


schemathesis.openapi.format("cn-resident-id", _resident_id())


# The case list's search text (webui.openapi.SEARCH_FORMAT): a word the index can look up — three or
# more letters or digits, or Chinese characters (a single one is a surname); shorter words are a 422.
_search_word = st.one_of(
    st.from_regex(r"\A[0-9]{3,11}\Z"),
    st.from_regex(r"\A[A-Za-z0-9]{3,12}\Z"),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6),
    st.sampled_from(["张先生", "5678", "TS-SZP", "1-1202", "漏水 天花板"]),
)
schemathesis.openapi.format("kefu-search", _search_word)
