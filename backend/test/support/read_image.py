"""Reads pictures with Pillow (Debian's python3-pil), independently of the arena: one JSON line per file with
its format, size and the standard deviation of its grey levels (0 for a blank picture)."""
import json
import sys

from PIL import Image, ImageStat

for arg in sys.argv[1:]:
    image = Image.open(arg)
    image.load()
    stat = ImageStat.Stat(image.convert("L"))
    print(json.dumps({"format": image.format, "width": image.width, "height": image.height, "stddev": stat.stddev[0]}))
