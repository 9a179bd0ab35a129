"""Cambodia's provinces, districts and communes as pumi 0.20.2 lists them (MIT, see data/pumi-LICENSE.txt).

The Cambodian registration menu (ews_cambodia) selects "the n-th district of the province" and "the
n-th commune of the district" in code order, so the codes and their order are the gazetteer's, at
the version the reference pinned: `data/pumi_0.20.2.json` is an extract of it made by
`data/build_pumi_extract.py`. Addresses are spelled as pumi spells them: Khmer names carry their
administrative unit in front ("ឃុំសំរោង ស្រុកអូរជ្រៅ ខេត្តបន្ទាយមានជ័យ"), English ones behind
("Samraong Commune, Ou Chrov District, Banteay Meanchey Province"); pumi's English name is its
Latin transliteration.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Optional

EXTRACT = Path(__file__).resolve().parent / "data" / "pumi_0.20.2.json"


@dataclass(frozen=True)
class Place:
    """A province (code `PP`), district (`PPDD`) or commune (`PPDDCC`)."""

    code: str
    name_km: str
    name_en: str
    unit_km: str  # ខេត្ត, ស្រុក, ឃុំ…
    unit_en: str  # Province, District, Commune…
    parent: Optional["Place"]

    @property
    def full_name_km(self) -> str:
        return f"{self.unit_km}{self.name_km}"

    @property
    def full_name_en(self) -> str:
        return f"{self.name_en} {self.unit_en}"

    @property
    def lineage(self) -> tuple["Place", ...]:
        """The place, then the places it lies in: commune, district, province."""
        return (self, *self.parent.lineage) if self.parent else (self,)

    @property
    def address_km(self) -> str:
        return " ".join(place.full_name_km for place in self.lineage)

    @property
    def address_en(self) -> str:
        return ", ".join(place.full_name_en for place in self.lineage)


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]  # by code
    children: dict[str, tuple[Place, ...]]  # a province's districts, a district's communes, by code

    def province(self, code: object) -> Place | None:
        return self._place(code, code_length=2)

    def district(self, code: object) -> Place | None:
        return self._place(code, code_length=4)

    def _place(self, code: object, *, code_length: int) -> Place | None:
        if not isinstance(code, str) or len(code) != code_length:
            return None
        return self.places.get(code)

    def districts_of(self, province_code: object) -> tuple[Place, ...]:
        """The province's districts in code order: the district menu, digit n selecting the n-th."""
        province = self.province(province_code)
        return self.children.get(province.code, ()) if province else ()

    def communes_of(self, district_code: object) -> tuple[Place, ...]:
        """The district's communes in code order: the commune menu."""
        district = self.district(district_code)
        return self.children.get(district.code, ()) if district else ()


@cache
def gazetteer() -> Gazetteer:
    """Read the extract once per process (about 1,900 places)."""
    data = json.loads(EXTRACT.read_text(encoding="utf-8"))
    units = data["administrative_units"]
    places: dict[str, Place] = {}
    children: defaultdict[str, list[Place]] = defaultdict(list)
    # Provinces first, then districts, then communes: a parent is always read before its children.
    for level in ("provinces", "districts", "communes"):
        for code, name_km, name_latin, unit in data[level]:
            parent = places.get(code[:-2]) if len(code) > 2 else None
            place = Place(code, name_km, name_latin, units[unit]["km"], units[unit]["en"], parent)
            places[code] = place
            if parent is not None:
                children[parent.code].append(place)
    return Gazetteer(
        places=places,
        children={code: tuple(sorted(kids, key=lambda place: place.code)) for code, kids in children.items()},
    )
