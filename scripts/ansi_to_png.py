#!/usr/bin/python3
"""Renders a tmux `capture-pane -e` text (SGR colours only) to a PNG, monospace."""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

COLOURS = {30: (40, 40, 40), 31: (230, 60, 50), 32: (60, 200, 80), 33: (235, 180, 40), 37: (200, 200, 200)}
FG, BG = (220, 220, 220), (18, 20, 24)


def main(src, dst):
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 18)
    lines = open(src, encoding="utf-8").read().rstrip("\n").split("\n")
    cell_w, cell_h = font.getbbox("M")[2], 24
    width = max(len(re.sub(r"\x1b\[[0-9;]*m", "", l)) for l in lines) + 2
    img = Image.new("RGB", (cell_w * width, cell_h * (len(lines) + 1)), BG)
    draw = ImageDraw.Draw(img)
    for y, line in enumerate(lines):
        x, colour, dim = 1, FG, False
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            m = re.match(r"\x1b\[([0-9;]*)m", part)
            if m:
                codes = [int(c) for c in m.group(1).split(";") if c] or [0]
                for c in codes:
                    if c == 0:
                        colour, dim = FG, False
                    elif c == 2:
                        dim = True
                    elif c in COLOURS:
                        colour = COLOURS[c]
                continue
            for ch in part:
                shade = tuple(v // 2 for v in colour) if dim else colour
                draw.text((x * cell_w, (y + 0.5) * cell_h), ch, font=font, fill=shade)
                x += 1
    img.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
