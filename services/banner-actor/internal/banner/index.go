package banner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Index is the registry of banner ids, kept in the state store as
// fixed-size pages ("banner-index/<n>") so that listing a page costs the
// same with a thousand banners or a million: one page read and one bulk
// read of the views on it. It also holds each banner's latest view
// ("banner-view/<id>"), written by the actor on every change.
type Index struct {
	dapr     dapr.Client
	store    string
	pageSize int
}

// NewIndex keeps the index in the state store named store.
func NewIndex(c dapr.Client, store string, pageSize int) *Index {
	return &Index{dapr: c, store: store, pageSize: pageSize}
}

type page struct {
	IDs []string `json:"ids"`
}

func pageKey(n int) string     { return "banner-index/" + strconv.Itoa(n) }
func viewKey(id string) string { return "banner-view/" + id }

const hintKey = "banner-index/last"

// Add appends id to the last page, opening a new page when it is full.
// Concurrent adds are serialised with ETags.
func (x *Index) Add(ctx context.Context, id string) error {
	n := 0
	var hint struct{ Page int }
	if _, _, err := x.get(ctx, hintKey, &hint); err != nil {
		return err
	}
	n = hint.Page
	for attempt := 0; attempt < 1000; attempt++ {
		var p page
		etag, found, err := x.get(ctx, pageKey(n), &p)
		if err != nil {
			return err
		}
		switch {
		case found && slices.Contains(p.IDs, id):
			// A retried registration (checked before fullness: the id
			// may have filled this page).
			return nil
		case found && len(p.IDs) >= x.pageSize:
			n++
			continue
		case found:
			p.IDs = append(p.IDs, id)
		default:
			p.IDs = []string{id}
			etag = ""
		}
		err = x.put(ctx, pageKey(n), p, etag)
		if errors.Is(err, sidecar.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		if n != hint.Page {
			// Only a hint: Add and List both walk forward past it.
			_ = x.dapr.SaveState(ctx, x.store, hintKey, fmt.Appendf(nil, `{"Page":%d}`, n), nil)
		}
		return nil
	}
	return fmt.Errorf("banner index: %w", sidecar.ErrConflict)
}

// SaveView stores a banner's latest view for listings.
func (x *Index) SaveView(ctx context.Context, v banners.View) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return x.dapr.SaveState(ctx, x.store, viewKey(v.ID), raw, nil)
}

// List returns up to limit views starting at cursor ("" for the first
// page) and the cursor of the next page ("" at the end). A cursor is
// "<page>.<offset>".
func (x *Index) List(ctx context.Context, cursor string, limit int) ([]banners.View, string, error) {
	n, off, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	next := ""
	for len(ids) < limit {
		var p page
		_, found, err := x.get(ctx, pageKey(n), &p)
		if err != nil {
			return nil, "", err
		}
		if !found || off >= len(p.IDs) {
			if found && len(p.IDs) >= x.pageSize {
				n, off = n+1, 0
				continue
			}
			break
		}
		take := min(limit-len(ids), len(p.IDs)-off)
		ids = append(ids, p.IDs[off:off+take]...)
		off += take
		if len(ids) == limit {
			if off < len(p.IDs) || len(p.IDs) >= x.pageSize {
				next = fmt.Sprintf("%d.%d", n, off)
			}
		}
	}
	views := make([]banners.View, 0, len(ids))
	if len(ids) == 0 {
		return views, "", nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = viewKey(id)
	}
	items, err := x.dapr.GetBulkState(ctx, x.store, keys, nil, 16)
	if err != nil {
		return nil, "", err
	}
	byKey := make(map[string][]byte, len(items))
	for _, it := range items {
		byKey[it.Key] = it.Value
	}
	for i, id := range ids {
		var v banners.View
		if raw := byKey[keys[i]]; len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
			views = append(views, v)
		} else {
			views = append(views, banners.View{ID: id, Queue: []banners.Message{}, History: []banners.Message{}})
		}
	}
	return views, next, nil
}

func parseCursor(c string) (int, int, error) {
	if c == "" {
		return 0, 0, nil
	}
	ps, os, ok := strings.Cut(c, ".")
	p, err1 := strconv.Atoi(ps)
	o, err2 := strconv.Atoi(os)
	if !ok || err1 != nil || err2 != nil || p < 0 || o < 0 {
		return 0, 0, ErrBadCursor
	}
	return p, o, nil
}

// ErrBadCursor means a listing cursor was not one List returned.
var ErrBadCursor = errors.New("invalid cursor")

func (x *Index) get(ctx context.Context, key string, v any) (string, bool, error) {
	return sidecar.GetJSON(ctx, x.dapr, x.store, key, v)
}

func (x *Index) put(ctx context.Context, key string, v any, etag string) error {
	return sidecar.PutJSON(ctx, x.dapr, x.store, key, v, etag, nil)
}
