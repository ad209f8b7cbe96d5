"""Fails (exit 1) if an executed notebook has an error output or a cell whose
output shows a Go failure: GoNB reports panics, non-zero exits and failed
%test runs as ordinary stderr text, so nbconvert alone does not catch them."""
import json
import sys

MARKERS = ("panic:", "exit status", "--- FAIL", "[ERROR]", "Error:", "failed to", "otclir: ")


def main(path):
    nb = json.load(open(path))
    bad = 0
    code_cells = 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        code_cells += 1
        for out in cell.get("outputs", []):
            text = ""
            if out.get("output_type") == "error":
                text = out.get("ename", "") + ": " + out.get("evalue", "")
                bad += 1
                print(f"{path}: cell {i}: error output: {text}")
                continue
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
            elif out.get("output_type") in ("display_data", "execute_result"):
                text = "".join(out.get("data", {}).get("text/plain", ""))
            for m in MARKERS:
                if m in text:
                    bad += 1
                    print(f"{path}: cell {i}: {m!r} in output:\n{text[:2000]}")
                    break
    if code_cells == 0:
        print(f"{path}: no code cells")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(max(main(p) for p in sys.argv[1:]))
