"""The default taxonomy's German names (DOMAIN.md §6), shipped with the default taxonomy and the demo plant; admins
change them, or give any category a name in another language, under Admin → Failure taxonomy."""

GERMAN = {
    'Plate loading / autoloader': 'Plattenzufuhr / Autoloader', 'Plate jam': 'Plattenstau',
    'Double pick': 'Doppelabzug', 'Misfeed': 'Fehleinzug', 'Plate not detected': 'Platte nicht erkannt',
    'Slip sheet not removed': 'Zwischenpapier nicht entfernt', 'Cassette/pallet error': 'Kassetten-/Palettenfehler',
    'Punch / registration': 'Stanze / Register', 'Punch error': 'Stanzfehler',
    'Pin/edge detection failure': 'Stift-/Kantenerkennung fehlerhaft', 'Misregistration': 'Passerfehler',
    'Drum / clamping / vacuum': 'Trommel / Klemmung / Vakuum', 'Vacuum error': 'Vakuumfehler',
    'Plate not clamped': 'Platte nicht geklemmt', 'Drum balance': 'Trommelunwucht', 'Plate slips': 'Platte rutscht',
    'Imaging head / laser': 'Belichtungskopf / Laser', 'Low or fading laser power': 'Zu schwache Laserleistung',
    'Head/diode failure': 'Kopf-/Diodenausfall', 'Focus/calibration drift': 'Fokus-/Kalibrierdrift',
    'Banding/streaks': 'Streifen', 'Chiller fault': 'Kühlerstörung',
    'Optics / extraction / filters': 'Optik / Absaugung / Filter', 'Dirty optics': 'Verschmutzte Optik',
    'Clogged extraction filter': 'Verstopfter Absaugfilter', 'Dust artefacts': 'Staubartefakte',
    'Processor / chemistry': 'Entwicklungsmaschine / Chemie', 'Chemistry exhausted': 'Chemie erschöpft',
    'Temperature/conductivity out of range': 'Temperatur/Leitwert außerhalb des Bereichs',
    'Brush/roller wear': 'Bürsten-/Walzenverschleiß', 'Gum section': 'Gummierung', 'Dryer': 'Trockner',
    'Processor jam': 'Stau in der Entwicklungsmaschine', 'Scumming': 'Tonen',
    'Plate / consumable defects': 'Platten-/Materialfehler', 'Scratches': 'Kratzer', 'Voids': 'Fehlstellen',
    'Coating defects': 'Beschichtungsfehler', 'Wrong plate type/size': 'Falscher Plattentyp/falsches Format',
    'Electronics / control PC / software': 'Elektronik / Steuer-PC / Software', 'Controller error': 'Steuerungsfehler',
    'Front-end PC crash': 'Absturz des Frontend-PCs', 'Firmware': 'Firmware', 'Licence dongle': 'Lizenz-Dongle',
    'RIP/workflow link down': 'Verbindung zu RIP/Workflow unterbrochen',
    'Workflow / RIP / files': 'Workflow / RIP / Dateien', 'RIP error': 'RIP-Fehler',
    'Wrong imposition': 'Falsches Ausschießen', 'Job sent to wrong device': 'Auftrag an falsches Gerät gesendet',
    'Utilities / environment': 'Versorgung / Umgebung', 'Compressed air': 'Druckluft', 'Power': 'Strom',
    'Temperature/humidity': 'Temperatur/Luftfeuchte', 'Network': 'Netzwerk',
    'Operator error': 'Bedienfehler', 'Wrong settings': 'Falsche Einstellungen',
    'Handling damage': 'Handhabungsschaden',
    'Planned maintenance': 'Geplante Wartung',
    'Processor clean / chemistry change': 'Entwicklungsmaschine reinigen / Chemiewechsel',
    'Filter change': 'Filterwechsel', 'Optics cleaning': 'Optikreinigung',
    'Vendor PM visit': 'Wartungsbesuch des Herstellers', 'Calibration/trials': 'Kalibrierung/Tests',
    'Other (describe)': 'Sonstiges (beschreiben)',
}


def default_names(name: str) -> dict[str, str] | None:
    """The names in other languages of a default taxonomy entry (None for an entry of the plant's own)."""
    return {'de': GERMAN[name]} if name in GERMAN else None
