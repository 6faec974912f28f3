"""Reads pictures with Pillow (Debian's python3-pil), independently of the arena: one JSON line per file with
its format, size and the standard deviation of its grey levels (0 for a blank picture)."""
import base64
import io
import json
import sys

from PIL import Image, ImageStat

encoding, files = sys.argv[1], sys.argv[2:]
for name in files:
    with open(name, "rb") as f:
        data = f.read()
    if encoding == "base64":
        data = base64.b64decode(data, validate=True)
    image = Image.open(io.BytesIO(data))
    image.load()
    stat = ImageStat.Stat(image.convert("L"))
    print(json.dumps({"format": image.format, "width": image.width, "height": image.height, "stddev": stat.stddev[0]}))
