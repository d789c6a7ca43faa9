package banner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Index is the registry of banner ids, kept in the state store as
// fixed-size pages so that listing a page costs the same with a thousand
// banners or a million: one page read (two where a listing spans pages)
// and one bulk read of the views on it. The ids are spread over stripes
// (by a hash of the id), each its own chain of pages, because every
// registration rewrites the last page of its chain with an ETag:
// registrations racing for one chain retry each other's conflicts, and
// stripes let that many of them go at once. It also holds each banner's
// latest view ("banner-view/<id>"), written by the actor on every change.
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

// stripes is the number of page chains. Changing it moves ids between
// chains: it is fixed, not configured.
const stripes = 16

// stripeOf is the chain an id is registered in.
func stripeOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % stripes)
}

// pageKey names page n of stripe s. Stripe 0 keeps the keys of the index
// from before stripes ("banner-index/<n>"), so what was registered then is
// still listed.
func pageKey(s, n int) string {
	if s == 0 {
		return "banner-index/" + strconv.Itoa(n)
	}
	return fmt.Sprintf("banner-index/%d/%d", s, n)
}

// hintKey names the hint of stripe s: the page its last add went to.
func hintKey(s int) string {
	if s == 0 {
		return "banner-index/last"
	}
	return fmt.Sprintf("banner-index/%d/last", s)
}

func viewKey(id string) string { return "banner-view/" + id }

// Add appends id to the last page of its stripe, opening a new page when
// it is full. Concurrent adds to a stripe are serialised with ETags.
func (x *Index) Add(ctx context.Context, id string) error {
	s := stripeOf(id)
	var hint struct{ Page int }
	if _, _, err := x.get(ctx, hintKey(s), &hint); err != nil {
		return err
	}
	n := hint.Page
	for attempt := 0; attempt < 1000; attempt++ {
		var p page
		etag, found, err := x.get(ctx, pageKey(s, n), &p)
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
		err = x.put(ctx, pageKey(s, n), p, etag)
		if errors.Is(err, sidecar.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		if n != hint.Page {
			// Only a hint: Add and List both walk forward past it.
			_ = x.dapr.SaveState(ctx, x.store, hintKey(s), fmt.Appendf(nil, `{"Page":%d}`, n), nil)
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
// page) and the cursor of the next page ("" at the end). Banners are
// listed stripe by stripe, each in registration order. A cursor is
// "<stripe>.<page>.<offset>" ("<page>.<offset>", from before stripes, is
// read as stripe 0).
func (x *Index) List(ctx context.Context, cursor string, limit int) ([]banners.View, string, error) {
	at, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	// One id past the limit is looked for, so that the last page says so
	// (no cursor) rather than lead to an empty one.
	var ids []string
	next := ""
	for at.stripe < stripes {
		var p page
		_, found, err := x.get(ctx, pageKey(at.stripe, at.page), &p)
		if err != nil {
			return nil, "", err
		}
		if found && at.offset < len(p.IDs) {
			if len(ids) == limit {
				next = at.String()
				break
			}
			take := min(limit-len(ids), len(p.IDs)-at.offset)
			ids = append(ids, p.IDs[at.offset:at.offset+take]...)
			if at.offset += take; at.offset < len(p.IDs) {
				next = at.String()
				break
			}
		}
		if found && len(p.IDs) >= x.pageSize {
			at = position{at.stripe, at.page + 1, 0} // a full page: its chain goes on
		} else {
			at = position{at.stripe + 1, 0, 0} // the chain's end
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

// position is where a listing is in the index.
type position struct{ stripe, page, offset int }

func (p position) String() string { return fmt.Sprintf("%d.%d.%d", p.stripe, p.page, p.offset) }

func parseCursor(c string) (position, error) {
	if c == "" {
		return position{}, nil
	}
	parts := strings.Split(c, ".")
	if len(parts) == 2 {
		parts = append([]string{"0"}, parts...) // from before stripes
	}
	if len(parts) != 3 {
		return position{}, ErrBadCursor
	}
	var n [3]int
	for i, part := range parts {
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 {
			return position{}, ErrBadCursor
		}
		n[i] = v
	}
	if n[0] >= stripes {
		return position{}, ErrBadCursor
	}
	return position{n[0], n[1], n[2]}, nil
}

// ErrBadCursor means a listing cursor was not one List returned.
var ErrBadCursor = errors.New("invalid cursor")

func (x *Index) get(ctx context.Context, key string, v any) (string, bool, error) {
	return sidecar.GetJSON(ctx, x.dapr, x.store, key, v)
}

func (x *Index) put(ctx context.Context, key string, v any, etag string) error {
	return sidecar.PutJSON(ctx, x.dapr, x.store, key, v, etag, nil)
}
