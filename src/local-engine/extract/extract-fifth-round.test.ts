import { describe, expect, it } from 'vitest';
import { type ExtractCase, expectExtractCase, nullable } from '../../../test/support/extract-cases.ts';
import { findDates } from './patterns.ts';

/**
 * The classes of error fixed in the fifth round of extraction tuning (decision 0208): labels in other
 * languages, parties and current jobs read from their cues, and the wrong values that came with them.
 */

const ITALIAN_INVOICE = `Studio Esempio S.r.l.
P.IVA IT 03418820371

Numero fattura: 2025/0147
Data: 18/09/2025
Scadenza: 18/10/2025
Vs. ordine: ORD-FE-551

Imponibile                                    € 1.250,00
IVA 22%                                       €   275,00
Totale documento                              € 1.525,00`;

const GERMAN_CONTRACT = `DIENSTLEISTUNGSVERTRAG

§ 1 Vertragsbeginn: Der Vertrag beginnt am 01.01.2026.
§ 2 Laufzeit: Der Vertrag endet am 31.12.2026.
§ 3 Vergütung: Die monatliche Pauschale beträgt 3.400,00 EUR zzgl. MwSt.
§ 4 Kündigung: Die Kündigungsfrist beträgt 30 Tage zum Monatsende.`;

const NUMBERED_PARTIES = `This Agreement is made on 20 August 2025 between:

(1) Halden Logistics Limited, a company registered in England (company number 08812341) ("the Customer"); and
(2) Quillfeather Systems Ltd, of 9 Mill Lane, Cambridge ("the Supplier").

Signed for the Customer: R. Halden, Director`;

const GERMAN_PARTIES = `zwischen
Stadtwerke Kleinfeld GmbH, Bahnhofstraße 1, 34117 Kassel
– nachfolgend „Auftraggeber“ –
und
Reinigungsdienst Sauber & Co. KG, Gewerbering 7, 34123 Kassel
– nachfolgend „Auftragnehmer“ –`;

const UK_CV = `Personal statement
HR professional with over 12 years' experience, looking for a Head of HR role.

Employment history
Sept 2021 – present   HR Business Partner, Avon Wildlife Trust
Jan 2016 – Aug 2021   HR Advisor, Bristol City Council`;

const GERMAN_CV = `Berufserfahrung
seit 04/2020       Laborleiterin Analytik, Rheinfarben AG, Leverkusen
10/2016–03/2020    Wissenschaftliche Mitarbeiterin, Universität zu Köln`;

const SPANISH_CV = `Work history

2021 – today   Maintenance Engineer at Iberflux Energía S.A., Zaragoza
2016 – 2021    Field Technician at Eólica Norte S.L., Pamplona`;

const TWO_COLUMN_PO = `PURCHASE ORDER

P.O. NUMBER: 2025-004417              P.O. DATE: 07/22/2025

VENDOR:                               SHIP TO:
Pacific Coast School Supply Co.       Arlington High School – Receiving
1200 E. Ontario Ave, Corona CA        2951 Jackson St, Riverside CA`;

const LETTER_ORDER = `Quinta do Vale Serrado, Lda.
Estrada Nacional 222, 5110-204 Armamar, Portugal

To: Vidrarias Atlântico S.A. – Sales Department
Porto, 9 April 2025

Dear Sirs,

We confirm our order for 12,000 bottles, total EUR 4.920,00 (VAT excluded).`;

const FRENCH_EMAIL = `De : Sophie Lambert <s.lambert@imprimerie-meuse.example>
Envoyé : lundi 3 mars 2025 11:20
À : Thomas Claes
Objet : Devis brochures

Bonjour Monsieur Claes,

Le montant du devis s'élève à 3 480,00 €.

Bien cordialement,

Sophie Lambert
Chargée de clientèle – Imprimerie de la Meuse SRL
Rue du Pont 17, 4020 Liège`;

const IRISH_INVOICE = `O'Sullivan Heating & Plumbing Ltd
Ph: 021 487 3310    Mob: 087 224 1906

                          I N V O I C E

Invoice No.:  40817                     Date:   03 Feb 2025

To:  Lee Valley Nursing Home
     Model Farm Road, Cork

Goods & Services (excl. VAT)                          3,490.00
VAT @ 13.5%                                             471.15
TOTAL (EUR)                                           3,961.15`;

const CASES: readonly ExtractCase[] = [
  {
    failure: 'a French date ("mardi 4 novembre 2025") after a meeting word ("rendez-vous") was not read',
    text: 'Bonjour Mme Girard,\n\nJe vous confirme notre rendez-vous le mardi 4 novembre 2025 à 14h.',
    field: 'meeting_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-11-04',
  },
  {
    failure: 'a Dutch expected delivery date ("vrijdag 15 augustus 2025") was not read',
    text: 'Verzenddatum: 14-08-2025\nVerwachte bezorging: vrijdag 15 augustus 2025 tussen 14:00 en 17:30',
    field: 'estimated_delivery_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-08-15',
  },
  {
    failure: 'a range of days in another language ("14-15 augustus 2025") is no single date',
    text: 'Verwachte bezorging: 14-15 augustus 2025',
    field: 'estimated_delivery_date',
    schema: nullable('string', { format: 'date' }),
    expected: undefined,
  },
  {
    failure: '"Sale #" on a till slip was not read as the receipt number',
    text: 'HARBOUR HARDWARE\n\nSale #  HH-20931          Till 2\nDate 22/10/2025',
    field: 'receipt_number',
    schema: nullable('string'),
    expected: 'HH-20931',
  },
  {
    failure: 'a Dutch dispatch date label ("Verzenddatum") was not read',
    text: 'Je bestelling 2025-88412 is verzonden.\n\nTrack & Trace: 3SABCD1234567\nVerzenddatum: 14-08-2025\nGewicht: 3,2 kg',
    field: 'ship_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-08-14',
  },
  {
    failure: 'a contract\'s signature label "COMPANY:" opposite "CONTRACTOR:" was not read as the client',
    text: 'CONTRACTOR AGREEMENT\n\nCOMPANY: Lakeshore Dental Group, P.C.         CONTRACTOR:\nBy: Dr. Alan Whitaker, President              Marisol Ortega',
    field: 'client_name',
    schema: nullable('string'),
    expected: 'Lakeshore Dental Group',
  },
  {
    failure: 'a German compound date label ("Bestelldatum") was not read as the order date',
    text: 'BESTELLUNG\n\nBestellnummer: B-2025-0632\nBestelldatum: 15.10.2025\nLiefertermin: 22.10.2025',
    field: 'order_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-10-15',
  },
  {
    failure: 'a compound date label ("Bestelldatum") is no order number',
    text: 'Bestelldatum: 15.10.2025',
    field: 'order_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: '"Date issued" was not read as the invoice date',
    text: 'Invoice #: JR-1031\nDate issued: Nov 3, 2025\nPayment due by Dec 3, 2025.',
    field: 'invoice_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-11-03',
  },
  {
    failure: 'a party heading without a colon ("Cliente / Customer") did not label the next line',
    text: 'FATTURA\n\nCliente / Customer\nOttica Ferri di Marco Ferri\nCorso Italia 8, Modena',
    field: 'customer_name',
    schema: nullable('string'),
    expected: 'Ottica Ferri di Marco Ferri',
  },
  {
    failure: 'a sentence under a party heading is no party',
    text: 'RECEIPT\n\nCustomer\nThank you for shopping with us today.',
    field: 'customer_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'the "To:" line of an invoice was not read as the customer',
    text: IRISH_INVOICE,
    field: 'customer_name',
    schema: nullable('string'),
    expected: 'Lee Valley Nursing Home',
  },
  {
    failure: 'an e-mail header "To:" is not the customer of an invoice it carries',
    text: 'From: Ann Lee <ann@vendor.example>\nTo: Bob Stone\nSubject: Invoice 4411\n\nInvoice 4411 attached, total £200.',
    field: 'customer_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'an amount "(excl. VAT)" was not read as the subtotal',
    text: IRISH_INVOICE,
    field: 'subtotal',
    schema: nullable('number'),
    expected: 3490,
  },
  {
    failure: 'a phone labelled "Ph:" was not read',
    text: IRISH_INVOICE,
    field: 'contact_phone',
    schema: nullable('string'),
    expected: '021 487 3310',
  },
  {
    failure: '"TOTAL VAT 20%" was taken for a total, so gave no VAT amount',
    text: 'INVOICE\n| Subtotal | 1,705.00 |\n| TOTAL VAT 20% | 341.00 |\n| **TOTAL GBP** | **2,046.00** |',
    field: 'vat_amount',
    schema: nullable('number'),
    expected: 341,
  },
  {
    failure: '"TOTAL (IVA incluido)" is the total, not the tax',
    text: 'FACTURA SIMPLIFICADA\nTOTAL (IVA incluido)            36,60 €\nBase imponible 10%              33,27\nCuota IVA 10%                    3,33',
    field: 'tax_amount',
    schema: nullable('number'),
    expected: 3.33,
  },
  {
    failure: 'a French e-mail header ("De :") was not read as the sender',
    text: FRENCH_EMAIL,
    field: 'sender_name',
    schema: nullable('string'),
    expected: 'Sophie Lambert',
  },
  {
    failure: 'the organisation after the role in a signature block was not read',
    text: FRENCH_EMAIL,
    field: 'company_name',
    schema: nullable('string'),
    expected: 'Imprimerie de la Meuse SRL',
  },
  {
    failure: 'a lone "De:" outside a header block is no sender label',
    text: 'Prix: 40 €\nDe: 3 à 5 jours',
    field: 'sender_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a French sign-off followed by a blank line hid the sender',
    text: 'Bonjour Mme Girard,\n\nJe vous confirme notre rendez-vous.\n\nCordialement,\n\nJulien Moreau\nAtelier Moreau & Fils',
    field: 'sender_name',
    schema: nullable('string'),
    expected: 'Julien Moreau',
  },
  {
    failure: 'the full name and role of the signer were read as the company',
    text: 'Cheers,\nBeth\n\nBethany Cole | Chief of Staff | Fernleaf Analytics\nm. +44 7700 900 881',
    field: 'company_name',
    schema: nullable('string'),
    expected: 'Fernleaf Analytics',
  },
  {
    failure: 'a town line in a signature is no company',
    text: 'Best regards,\nAnna Berg\nStockholm\n+46 8 555 0100',
    field: 'company_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a profile address written without its scheme was not read as the website',
    text: 'JORDAN A. MILLER\nAustin, TX · (512) 555-0149 · jordan.miller@protonmail.example · github.com/jmiller-dev',
    field: 'website',
    schema: nullable('string', { format: 'uri' }),
    expected: 'https://github.com/jmiller-dev',
  },
  {
    failure: 'the domain of an e-mail address is no website',
    text: 'Jordan Miller\njordan.miller@protonmail.example/backup',
    field: 'website',
    schema: nullable('string', { format: 'uri' }),
    expected: undefined,
  },
  {
    failure: 'a quantity with its unit ("100g") was read as an order number',
    text: 'Dispatched: 5 November 2025\n\nOrder summary: 6 x Aran wool 100g (Heather) – £41.70',
    field: 'order_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a tax rate ("9.25%") was read as the tax amount on a till slip',
    text: '  SUBTOTAL              16.56\n  TAX  9.25%             0.35\n  ****  BALANCE         16.91',
    field: 'tax_amount',
    schema: nullable('number'),
    expected: 0.35,
  },
  {
    failure: 'a mailbox named for a team ("Talent Team") was read as the sender',
    text: 'From: "Talent Team – Orbis Robotics" <careers@orbisrobotics.example>\nTo: daniel.park@mail.example\n\nDear Daniel,\n\nSee you on Tuesday.',
    field: 'sender_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a second column heading ("SHIP TO:") was read as the first heading\'s value',
    text: TWO_COLUMN_PO,
    field: 'supplier_name',
    schema: nullable('string'),
    expected: 'Pacific Coast School Supply Co.',
  },
  {
    failure: 'a ship-to site under a column heading was read as the buyer',
    text: TWO_COLUMN_PO,
    field: 'buyer_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'the letterhead of an order the writer confirms was not read as the buyer',
    text: LETTER_ORDER,
    field: 'buyer_name',
    schema: nullable('string'),
    expected: 'Quinta do Vale Serrado, Lda.',
  },
  {
    failure: 'the addressee of an order the writer confirms was not read as the supplier',
    text: LETTER_ORDER,
    field: 'supplier_name',
    schema: nullable('string'),
    expected: 'Vidrarias Atlântico S.A.',
  },
  {
    failure: 'the letterhead of a letter with no order was read as a buyer',
    text: 'Quinta do Vale Serrado, Lda.\nEstrada Nacional 222, Armamar\n\nDear Sirs,\n\nThank you for your visit last week.',
    field: 'buyer_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'the role sought in a personal statement was read as the current title',
    text: UK_CV,
    field: 'job_title',
    schema: nullable('string'),
    expected: 'HR Business Partner',
  },
  {
    failure: 'the employer after the title on the current entry line was not read',
    text: UK_CV,
    field: 'current_employer',
    schema: nullable('string'),
    expected: 'Avon Wildlife Trust',
  },
  {
    failure: 'a German current entry ("seit 04/2020") gave no title',
    text: GERMAN_CV,
    field: 'job_title',
    schema: nullable('string'),
    expected: 'Laborleiterin Analytik',
  },
  {
    failure: 'a German current entry ("seit 04/2020") gave no employer',
    text: GERMAN_CV,
    field: 'current_employer',
    schema: nullable('string'),
    expected: 'Rheinfarben AG',
  },
  {
    failure: 'a current entry dated "– today" gave no employer',
    text: SPANISH_CV,
    field: 'current_employer',
    schema: nullable('string'),
    expected: 'Iberflux Energía S.A.',
  },
  {
    failure: 'a current entry dated "– today" gave no title',
    text: SPANISH_CV,
    field: 'job_title',
    schema: nullable('string'),
    expected: 'Maintenance Engineer',
  },
  {
    failure: 'the title in a table row of jobs was not read',
    text: '| Organisation | Designation | Duration |\n|---|---|---|\n| Infosys Ltd | Senior Test Engineer | Jul 2016 – Dec 2020 |\n| Zeta Fintech Pvt Ltd | QA Manager | Jan 2021 – Till date |',
    field: 'job_title',
    schema: nullable('string'),
    expected: 'QA Manager',
  },
  {
    failure: 'a sentence about a job held since a year is no entry line: its past employer is not current',
    text: 'Name: Ewan MacLeod\n\nFreelance photographer since 2014 (11 years), previously staff photographer at Highland Herald.',
    field: 'current_employer',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a CV whose jobs all ended has no current employer',
    text: 'Experience\n2019 – 2023   Data Analyst, Northwind Traders\n2016 – 2019   Junior Analyst, Contoso Foods',
    field: 'current_employer',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a party defined by role after an aside with brackets was not read',
    text: NUMBERED_PARTIES,
    field: 'client_name',
    schema: nullable('string'),
    expected: 'Halden Logistics Limited',
  },
  {
    failure: 'a party defined by role after its address was not read',
    text: NUMBERED_PARTIES,
    field: 'contractor_name',
    schema: nullable('string'),
    expected: 'Quillfeather Systems Ltd',
  },
  {
    failure: 'a German party defined as "nachfolgend Auftraggeber" was not read',
    text: GERMAN_PARTIES,
    field: 'client_name',
    schema: nullable('string'),
    expected: 'Stadtwerke Kleinfeld GmbH',
  },
  {
    failure: 'a German party defined as "nachfolgend Auftragnehmer" was not read',
    text: GERMAN_PARTIES,
    field: 'contractor_name',
    schema: nullable('string'),
    expected: 'Reinigungsdienst Sauber & Co. KG',
  },
  {
    failure: "a role cue without an organisation in its clause must not borrow another clause's party",
    text: 'Acme Widgets Ltd agrees to supply parts.\n\nJohn Smith of Leeds ("the Customer") agrees to pay.',
    field: 'client_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'an Italian invoice number label was not read',
    text: ITALIAN_INVOICE,
    field: 'invoice_number',
    schema: nullable('string'),
    expected: '2025/0147',
  },
  {
    failure: 'an Italian due date label was not read',
    text: ITALIAN_INVOICE,
    field: 'due_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2025-10-18',
  },
  {
    failure: 'an Italian "your order" label was not read',
    text: ITALIAN_INVOICE,
    field: 'po_number',
    schema: nullable('string'),
    expected: 'ORD-FE-551',
  },
  {
    failure: 'an Italian total label was not read',
    text: ITALIAN_INVOICE,
    field: 'total',
    schema: nullable('number'),
    expected: 1525,
  },
  {
    failure: 'an Italian VAT number (P.IVA) was read as a phone',
    text: ITALIAN_INVOICE,
    field: 'contact_phone',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'an invoice total in Italian ("Totale fattura") was read as the invoice number',
    text: 'FATTURA\nTotale fattura:  € 8.296,00',
    field: 'invoice_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'an amount of money was read as a VAT number',
    text: 'Rechnung\nUSt-IdNr.: € 384,56',
    field: 'vat_number',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: '"btw" (by the way) in a chat message was read as a Dutch VAT label',
    text: 'hi Sam!!\n\nmy new number btw: 0151 234 5678\n\nx Lotte',
    field: 'phone',
    schema: nullable('string'),
    expected: '0151 234 5678',
  },
  {
    failure: 'a signatory (initial and surname) was read as the client organisation',
    text: 'SUPPORT AGREEMENT\n\nCharges: £2,150 per month.\n\nSigned for the Customer: R. Halden, Director',
    field: 'client_name',
    schema: nullable('string'),
    expected: undefined,
  },
  {
    failure: 'a German contract start ("Vertrag beginnt am") was not read',
    text: GERMAN_CONTRACT,
    field: 'effective_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2026-01-01',
  },
  {
    failure: 'a German contract end ("Vertrag endet am") was not read',
    text: GERMAN_CONTRACT,
    field: 'end_date',
    schema: nullable('string', { format: 'date' }),
    expected: '2026-12-31',
  },
  {
    failure: 'a German monthly fee ("monatliche Pauschale") was not read',
    text: GERMAN_CONTRACT,
    field: 'monthly_fee',
    schema: nullable('number'),
    expected: 3400,
  },
  {
    failure: 'a notice period in German days ("30 Tage") was not read',
    text: GERMAN_CONTRACT,
    field: 'notice_period_days',
    schema: nullable('integer'),
    expected: 30,
  },
];

describe('extract, fifth round: generic labels, parties and current jobs', () => {
  it.each(CASES)('$failure: $field', expectExtractCase);
});

describe('findDates, month names of other languages', () => {
  it('reads a day, a month name in German, French, Spanish, Dutch or Italian, and a year', () => {
    const text =
      'am 13. März 2025, 1 de febrero de 2025, vrijdag 15 augustus 2025, 1er janvier 2026, 2 maggio 2025';
    expect(findDates(text).map((found) => found.value)).toEqual([
      '2025-03-13',
      '2025-02-01',
      '2025-08-15',
      '2026-01-01',
      '2025-05-02',
    ]);
  });

  it('reads no date from a month name without a day, or from a word that only looks like a month', () => {
    expect(findDates('im März 2025 und mai 2025')).toEqual([]);
    expect(findDates('31 février 2025')).toEqual([]);
  });
});
