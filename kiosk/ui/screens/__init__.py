"""Every screen the kiosk can show, registered by name; importing this package registers them all.

Screen names and the data each reads (all keys optional; the journeys send plain values, never device objects):

- attract {offline}; language {}; menu {services: [{id, enabled}] or [id], disabled: [...]}; ids thaid|
  thaid_officer|extract|booking|own_data (enrol_self|enrol_officer accepted too)
- consent {service}; insert_card {who?: officer|citizen, signed_in? (an officer waits for the next citizen),
  enrolled?}; reading_card {progress?, name? (title and first name)}; working {task: sending|matching|finger_matching|
  preparing|loading, progress?}; remove_card {}; thank_you {reference?}
- card_data {name_th, name_en, citizen_id (masked by the journey), birth_date (ISO), address, expires (ISO|lifelong),
  photo (JPEG bytes)}
- face_capture {hint: no_face|move_closer|move_back|center|too_dark|too_bright|multiple_faces|remove_glasses|
  hold_still|ok, quality?, attempt?, max_attempts?}; liveness {prompt: blink|turn_left|turn_right|smile|nod|
  look_straight, step?, steps?, seconds_left?, done?}; finger {finger: right_index|…, hint: place|lift|again|
  poor_image|reading, attempt?, max_attempts?}
- passcode {purpose: set|confirm|consent, entered, length, error?: mismatch|sequence|repeat|wrong|length,
  attempts_left?}; citizen_id_entry {digits, error?: check_digit}; activation_qr {payload, code?, expires_in_s?,
  offline?}
- extract_choice {documents: [tr14_1|tr12_2]}; extract_preview {document, lines: [str], reprint?, document_no?};
  printing {progress?}; printed {document_no?}
- booking_action {}; booking_office {offices: [{id, name_th, name_en}]}; booking_calendar {office?, days: [{date,
  available}]}; booking_slots {date, slots: [{time, available}]}; booking_confirmed {date, time, office?,
  reference?, print?}; booking_list {bookings: [{reference, date, time, office}]}; booking_cancel {date, time,
  office, reference}
- officer_signin {methods: [pin|finger], entered, length, error?}
- own_data {page, pages, rows: [{field|label, value, kind?: date}]}
- error {reason (see common.ERRORS), retry?, attempts_left?}; out_of_service {reason: tamper|printer|card_reader|
  maintenance}; timeout_warning {seconds_left}
- any screen {warning_s}: the inactivity warning drawn over it, with only "continue" touchable

Touches become `Tapped(action, value)`: start, language(th|en), large_text(on|off), high_contrast(on|off),
service(name), accept, decline,
cancel, confirm, reject, digit(d), backspace, clear, ok, document(id), print, receipt, day(iso), slot(hh:mm),
office(id), book, list, booking(reference), finger, back, page(n), retry, continue, done. A touch on no control
posts `Touched()`.
"""

from kiosk.ui.screens import common, identity, services, thaid

__all__ = ["common", "identity", "services", "thaid"]
