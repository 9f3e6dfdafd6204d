package sqlstore

import (
	"context"
	"database/sql"
)

// scanAll reads every row with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	list := make([]T, 0)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// queryAll runs query on s's database and reads every row with scan; a
// failure is wrapped with op.
func queryAll[T any](ctx context.Context, s *Store, op, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	list, err := scanAll(rows, scan)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}
