"""Shared input/output layer: every founder file is read here, one way, for every tool.

Takes in: a path (CSV, TSV, Excel, JSON, YAML) or inline rows. Gives out: a columnar `Table`,
parsed columns (money with its currency and decimal separator, dates with their day/month order),
and writes that never lose a founder's file.

Public API (stable; tools and the funnel analyzer build on it):

- `tables.read_table(source, list_keys=..., name=...) -> Table` — a path or inline rows.
  CSV with `,` `;` tab or `|`, UTF-8/UTF-16 (BOM or not), Windows-1252 and GB18030 (named in
  `Table.warnings`), `.xlsx/.xlsm/.xls` through the `excel` extra, report titles above the
  header and report footers below the data skipped and reported in `Table.warnings`.
- `Table`: `headers`, `file`, `len(table)`, `values(header)` (stripped cells, None for blank),
  `texts(header)` (stripped text, '' for blank), `row_number(i)` (the row a founder sees),
  `rows` / iteration `for row_number, record in table` for small files, `info` (format,
  encoding, delimiter, sheet, skipped lines).
- `tables.resolve_columns(table, aliases, required)` — our field names → the file's headers.
- `columns.money_column(values, table, header, ...) -> MoneyColumn(values, currency, decimal,
  notes)` — a money column in NumPy; '84.500,00 €' and '$84,500.00' both read 84500, the
  decimal separator decided once for the column, mixed currencies refused.
- `columns.money_values(values, table, header, ...)` — the same rules without NumPy, floats in
  a list, for a tool that goes row by row through a file of thousands of rows.
- `columns.date_column(values, table, header, date_order=...)` — dates parsed once per distinct
  text, dd/mm vs mm/dd decided for the column, dotted dates day-first.
- `columns.labels(table, header)` and `columns.inert(text)` — text cells safe to echo: a leading
  '=', '+', '-' or '@' gets an apostrophe, control characters become spaces.
- `values.parse_money / parse_percent / parse_date / parse_period / ...` — one value at a time,
  each raising `InputError` a caller locates with `.located(file=, row=, field=)`.
- `files.atomic_write_text / write_csv` — atomic writes; CSV cells made inert.
- `numbers` — numbers in prose (find, format, match to evidence).
- `bulk.collector_paused()` — the cyclic garbage collector paused while many acyclic objects
  are built (a large table, a tool run); `bulk.start_up_set_aside()` — what start-up made kept
  out of the collector's passes while a command runs.
"""
