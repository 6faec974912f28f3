"""FastChat's markdown counts (fastchat/serve/monitor/add_markdown_info.py, lm-sys/FastChat, Apache License
2.0): `count_markdown_elements`, `remove_pattern` and the code-block pattern copied as they are, with the
sums FastChat's style control takes (`extract_style_feature` sums an object's values). Reads a JSON array of
answers on stdin, prints [[headers, lists, bold], ...]."""
import json
import re
import sys


def count_markdown_elements(markdown_text, suffix):
    counters = {
        f"header_count{suffix}": {
            "h1": len(re.findall(r"^#{1}\s", markdown_text, re.MULTILINE)),
            "h2": len(re.findall(r"^#{2}\s", markdown_text, re.MULTILINE)),
            "h3": len(re.findall(r"^#{3}\s", markdown_text, re.MULTILINE)),
            "h4": len(re.findall(r"^#{4}\s", markdown_text, re.MULTILINE)),
            "h5": len(re.findall(r"^#{5}\s", markdown_text, re.MULTILINE)),
            "h6": len(re.findall(r"^#{6}\s", markdown_text, re.MULTILINE)),
        },
        f"list_count{suffix}": {
            "ordered": len(re.findall(r"^\s*\d+\.\s", markdown_text, re.MULTILINE)),
            "unordered": len(re.findall(r"^\s*[-*+]\s", markdown_text, re.MULTILINE)),
        },
        f"bold_count{suffix}": {
            "**": len(re.findall(r"\*\*[^*\n]+\*\*", markdown_text)),
            "__": len(re.findall(r"__[^_\n]+__", markdown_text)),
        },
    }
    return counters


def remove_pattern(answer, pattern):
    blocks = pattern.findall(answer)
    for block in blocks:
        answer = answer.replace(block, "")
    return answer


pattern = re.compile("```([^`]*)```")
out = []
for answer in json.load(sys.stdin):
    c = count_markdown_elements(remove_pattern(answer, pattern), suffix="_a")
    out.append([sum(c["header_count_a"].values()), sum(c["list_count_a"].values()), sum(c["bold_count_a"].values())])
print(json.dumps(out))
