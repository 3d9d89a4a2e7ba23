"""Offline product artwork for the demo catalog: small vector drawings rendered with Pillow.

Each category has a few drawings made of shapes in a 0..1 square (so they scale to any size);
``render`` colours one per product (a palette picked from the SKU) and prints the product's name
under it. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

# A shape: (kind, points or box in 0..1 units, "fg" | "accent" | "light").
Shape = tuple[str, tuple[float, ...], str]

DRAWINGS: dict[str, list[list[Shape]]] = {
    "coffee-tea": [
        [  # a cup on a saucer with steam
            ("ellipse", (0.18, 0.78, 0.82, 0.9), "light"),
            ("polygon", (0.28, 0.4, 0.72, 0.4, 0.66, 0.82, 0.34, 0.82), "fg"),
            ("ellipse", (0.66, 0.48, 0.84, 0.68), "fg"),
            ("ellipse", (0.7, 0.52, 0.8, 0.64), "bg"),
            ("line", (0.42, 0.34, 0.4, 0.22, 0.44, 0.12), "accent"),
            ("line", (0.56, 0.34, 0.54, 0.22, 0.58, 0.12), "accent"),
        ],
        [  # a bag of beans
            ("polygon", (0.3, 0.2, 0.7, 0.2, 0.76, 0.88, 0.24, 0.88), "fg"),
            ("rectangle", (0.3, 0.16, 0.7, 0.24), "accent"),
            ("ellipse", (0.42, 0.48, 0.58, 0.68), "light"),
            ("line", (0.5, 0.5, 0.47, 0.58, 0.5, 0.66), "fg"),
        ],
    ],
    "kitchen": [
        [  # a pan
            ("ellipse", (0.12, 0.35, 0.62, 0.85), "fg"),
            ("ellipse", (0.18, 0.41, 0.56, 0.79), "light"),
            ("polygon", (0.6, 0.56, 0.92, 0.5, 0.94, 0.58, 0.61, 0.64), "accent"),
        ],
        [  # a knife and a board
            ("rectangle", (0.14, 0.55, 0.86, 0.82), "light"),
            ("polygon", (0.2, 0.44, 0.66, 0.4, 0.66, 0.5, 0.2, 0.5), "fg"),
            ("rectangle", (0.66, 0.41, 0.84, 0.49), "accent"),
        ],
    ],
    "home-office": [
        [  # a desk lamp
            ("rectangle", (0.3, 0.84, 0.7, 0.9), "fg"),
            ("line", (0.5, 0.84, 0.38, 0.5, 0.6, 0.28), "fg"),
            ("polygon", (0.52, 0.2, 0.8, 0.32, 0.72, 0.46), "accent"),
            ("ellipse", (0.7, 0.44, 0.84, 0.58), "light"),
        ],
        [  # a notebook and pen
            ("rectangle", (0.22, 0.16, 0.7, 0.86), "fg"),
            ("rectangle", (0.3, 0.26, 0.62, 0.36), "light"),
            ("polygon", (0.76, 0.2, 0.84, 0.2, 0.84, 0.76, 0.8, 0.84, 0.76, 0.76), "accent"),
        ],
    ],
    "outdoor": [
        [  # mountains and a sun
            ("ellipse", (0.62, 0.14, 0.82, 0.34), "accent"),
            ("polygon", (0.05, 0.86, 0.38, 0.3, 0.62, 0.86), "fg"),
            ("polygon", (0.4, 0.86, 0.66, 0.44, 0.95, 0.86), "light"),
        ],
        [  # a tent
            ("polygon", (0.12, 0.84, 0.5, 0.22, 0.88, 0.84), "fg"),
            ("polygon", (0.42, 0.84, 0.5, 0.5, 0.58, 0.84), "light"),
            ("line", (0.08, 0.86, 0.92, 0.86), "accent"),
        ],
    ],
    "books": [
        [  # a closed book
            ("rectangle", (0.26, 0.14, 0.74, 0.86), "fg"),
            ("rectangle", (0.26, 0.14, 0.32, 0.86), "accent"),
            ("rectangle", (0.4, 0.28, 0.66, 0.38), "light"),
        ],
        [  # an open book
            ("polygon", (0.1, 0.3, 0.5, 0.38, 0.5, 0.84, 0.1, 0.76), "light"),
            ("polygon", (0.5, 0.38, 0.9, 0.3, 0.9, 0.76, 0.5, 0.84), "fg"),
            ("line", (0.5, 0.38, 0.5, 0.84), "accent"),
        ],
    ],
}
FALLBACK = "books"

PALETTES: list[dict[str, str]] = [
    {"bg": "#fef3c7", "fg": "#92400e", "accent": "#d97706", "light": "#fffbeb", "text": "#451a03"},
    {"bg": "#e0f2fe", "fg": "#1e40af", "accent": "#0891b2", "light": "#f0f9ff", "text": "#172554"},
    {"bg": "#dcfce7", "fg": "#166534", "accent": "#65a30d", "light": "#f7fee7", "text": "#052e16"},
    {"bg": "#fce7f3", "fg": "#9d174d", "accent": "#7c3aed", "light": "#fdf2f8", "text": "#500724"},
    {"bg": "#fee2e2", "fg": "#b91c1c", "accent": "#ea580c", "light": "#fff7ed", "text": "#450a0a"},
    {"bg": "#ede9fe", "fg": "#5b21b6", "accent": "#db2777", "light": "#faf5ff", "text": "#2e1065"},
]


def drawings_for(category_slug: str) -> list[list[Shape]]:
    """The drawings of a category (another category's when it has none)."""
    return DRAWINGS.get(category_slug, DRAWINGS[FALLBACK])


def render(category_slug: str, sku: str, label: str, variant: int = 0, width: int = 1200) -> bytes:
    """A 4:3 JPEG of one of the category's drawings, coloured for ``sku``, labelled ``label``."""
    height = width * 3 // 4
    digest = int(hashlib.sha256(sku.encode()).hexdigest(), 16)
    colours = PALETTES[(digest + variant) % len(PALETTES)]
    drawings = drawings_for(category_slug)
    drawing = drawings[(digest + variant) % len(drawings)]
    image = Image.new("RGB", (width, height), colours["bg"])
    draw = ImageDraw.Draw(image)
    # The drawing sits in a square in the upper part; the label goes below it.
    side = int(height * 0.7)
    left, top = (width - side) // 2, int(height * 0.04)
    for kind, coords, colour in drawing:
        points = [
            (left + x * side, top + y * side)
            for x, y in zip(coords[::2], coords[1::2], strict=True)
        ]
        fill = colours[colour]
        if kind == "ellipse":
            draw.ellipse([points[0], points[1]], fill=fill)
        elif kind == "rectangle":
            draw.rectangle([points[0], points[1]], fill=fill)
        elif kind == "polygon":
            draw.polygon(points, fill=fill)
        else:
            draw.line(points, fill=fill, width=max(2, side // 40), joint="curve")
    font = ImageFont.load_default(size=max(12, height // 16))
    text = "\n".join(textwrap.wrap(label, 34)[:2])
    draw.multiline_text(
        (width / 2, height * 0.87),
        text,
        fill=colours["text"],
        font=font,
        anchor="mm",
        align="center",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
