"""Electronic invoices: every issued invoice and credit note as an EN 16931
document (UN/CEFACT CII, embedded in the PDF as Factur-X) and as the national
document of the seller's country (KSeF FA(3) in Poland, NAV Online Számla 3.0
in Hungary, myDATA in Greece), built from what was frozen on the invoice at
issue, so a document made today and one made next year are the same."""
