"""Grid clean-up shared by the table extractors."""

from __future__ import annotations

from govcrawl.document import Cell, Table


def drop_lines(table: Table, cols: set[int] = frozenset(), rows: set[int] = frozenset()) -> Table:
    """The table without the given grid columns and rows; spans shrink accordingly.

    A column or row is kept anyway where dropping it would leave some cell with no slot.
    """
    grid = table.grid
    if not grid or not (cols or rows):
        return table
    n_rows, n_cols = len(grid), len(grid[0])
    cells = {id(c): c for row in grid for c in row}.values()
    cols, rows = set(cols), set(rows)
    for c in cells:
        span_cols = set(range(c.col, c.col + c.colspan))
        if span_cols <= cols:
            cols -= span_cols
        span_rows = set(range(c.row, c.row + c.rowspan))
        if span_rows <= rows:
            rows -= span_rows
    kept_cols = [j for j in range(n_cols) if j not in cols]
    kept_rows = [i for i in range(n_rows) if i not in rows]
    if len(kept_cols) == n_cols and len(kept_rows) == n_rows:
        return table
    col_index = {old: new for new, old in enumerate(kept_cols)}
    row_index = {old: new for new, old in enumerate(kept_rows)}
    remade: dict[int, Cell] = {}
    out = []
    for i in kept_rows:
        out_row = []
        for j in kept_cols:
            c = grid[i][j]
            if id(c) not in remade:
                new_cols = [col_index[k] for k in range(c.col, c.col + c.colspan) if k in col_index]
                new_rows = [row_index[k] for k in range(c.row, c.row + c.rowspan) if k in row_index]
                remade[id(c)] = Cell(c.text, new_rows[0], new_cols[0], len(new_rows), len(new_cols))
            out_row.append(remade[id(c)])
        out.append(out_row)
    return Table(out)


def collapse_redundant_lines(table: Table) -> Table:
    """Drop grid columns (rows) that no cell starts in: every row (column) spans across them.

    Converters and ruling artefacts leave such lines behind; a column that no row divides is
    no column of the table.
    """
    grid = table.grid
    if not grid or not grid[0]:
        return table
    n_rows, n_cols = len(grid), len(grid[0])
    cols = {j for j in range(1, n_cols) if all(grid[i][j] is grid[i][j - 1] for i in range(n_rows))}
    rows = {i for i in range(1, n_rows) if all(grid[i][j] is grid[i - 1][j] for j in range(n_cols))}
    return drop_lines(table, cols, rows)
