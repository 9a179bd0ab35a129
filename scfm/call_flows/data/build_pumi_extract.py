"""Build `pumi_0.20.2.json`, the Cambodian gazetteer extract the EWS registration menu reads.

The Cambodian menu (`CallFlowLogic::EWSRegistration`, scfm/call_flows/ews_cambodia.py) asks for a
province, then "the n-th district of the province" and "the n-th commune of the district" in code
order, against prompts recorded for pumi 0.20.2 (the version the reference pinned): the codes and
their order must stay exactly as in that release. The extract keeps only what the menu needs:
each place's code, Khmer and Latin names and administrative unit (no villages, links or geodata).

Run it from the repository's root with the pumi data directory (PyYAML is needed here only):

    .venv/bin/python scfm/call_flows/data/build_pumi_extract.py /work/shared/data/pumi-0.20.2

pumi is MIT-licensed (Copyright (c) 2019 David Wilkie); its LICENSE.txt is copied beside the extract
as `pumi-LICENSE.txt`.
"""

import json
import shutil
import sys
from pathlib import Path

VERSION = "0.20.2"
HERE = Path(__file__).resolve().parent
EXTRACT = HERE / f"pumi_{VERSION}.json"
LICENSE = HERE / "pumi-LICENSE.txt"
LEVELS = ("provinces", "districts", "communes")


def read_level(source: Path, level: str) -> dict:
    import yaml  # only this script reads YAML; SCFM itself reads the JSON extract

    with (source / f"{level}.yml").open(encoding="utf-8") as file:
        return yaml.safe_load(file)[level]


def build(source: Path) -> dict:
    """One row per place, `[code, name_km, name_latin, unit]`, sorted by code; units by Latin name."""
    units: dict[str, dict[str, str]] = {}
    extract: dict = {
        "source": f"pumi {VERSION} (https://github.com/dwilkie/pumi), MIT licence: see pumi-LICENSE.txt",
        "administrative_units": units,
    }
    for level in LEVELS:
        rows = []
        for code, place in sorted(read_level(source, level).items()):
            unit = place["administrative_unit"]
            units[unit["latin"]] = {"km": unit["km"], "en": unit["en"]}
            rows.append([str(code), place["name"]["km"], place["name"]["latin"], unit["latin"]])
        extract[level] = rows
    return extract


def dump(extract: dict) -> str:
    """JSON with one place a line, so a change of the gazetteer reads as a small diff."""
    lines = ["{"]
    lines.append(f'  "source": {json.dumps(extract["source"])},')
    lines.append(
        f'  "administrative_units": {json.dumps(extract["administrative_units"], ensure_ascii=False)},'
    )
    for index, level in enumerate(LEVELS):
        rows = ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in extract[level])
        closing = "]" if index == len(LEVELS) - 1 else "],"
        lines.append(f'  "{level}": [\n{rows}\n  {closing}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} <pumi-{VERSION} data directory>", file=sys.stderr)
        return 2
    source = Path(argv[1])
    EXTRACT.write_text(dump(build(source)), encoding="utf-8")
    shutil.copyfile(source / "LICENSE.txt", LICENSE)
    print(f"wrote {EXTRACT.name} and {LICENSE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
