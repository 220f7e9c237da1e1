"""A Sphinx extension of the book's website: the figures as 256-colour PNGs.

The chapters' figures are matplotlib PNGs, stored in the notebooks in full colour. A figure
of the book uses a handful of colours (the Okabe-Ito palette, grey, black) and their
anti-aliased edges, so a palette of 256 colours holds it with a mean error of about 0.1 in
255 per channel, and the file shrinks to about a third: Chapters 4 and 5, with their many
figures, then load in under 1.5 MB (tests/browser/test_site_pages.py). After each HTML build
every opaque PNG in ``_images`` is rewritten that way when that makes it smaller; the
notebooks keep their full-colour figures.
"""

from __future__ import annotations

from pathlib import Path


def quantize(path: Path) -> bool:
    """Rewrite the PNG at ``path`` with 256 colours if it is opaque and gets smaller."""
    import io

    from PIL import Image

    with Image.open(path) as image:
        image.load()
    if image.mode == "P":
        return False  # already a palette image
    if "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255:
        return False  # transparent pixels: left as they are
    small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                          dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, format="png", optimize=True)
    if buffer.tell() >= path.stat().st_size:
        return False
    path.write_bytes(buffer.getvalue())
    return True


def _quantize_images(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in sorted((Path(app.outdir) / "_images").glob("*.png")):
        quantize(path)


def setup(app):
    app.connect("build-finished", _quantize_images)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
