package jobs

import (
	"strings"
	"testing"
)

// slot is Redis Cluster's key slot: CRC16/XMODEM of the key's hash tag (the
// text between the first "{" and the next "}", when not empty) or of the
// whole key, modulo 16384.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for _, b := range []byte(key) {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

func TestSlotMatchesRedis(t *testing.T) {
	// Values from CLUSTER KEYSLOT on Debian's redis-server 7.0.15.
	for key, want := range map[string]uint16{"foo": 12182, "{user1000}.following": 3443, "{}x": 10595} {
		if got := slot(key); got != want {
			t.Errorf("slot(%q) = %d, want %d", key, got, want)
		}
	}
}

// Commit writes a job's record and effect marker in one transaction: on a
// clustered Redis they must share a slot, whatever the id.
func TestARecordAndItsEffectMarkerShareAHashSlot(t *testing.T) {
	ids := []string{"0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "poison-0123456789abcdef", "x", "", "}", "{", "a}b", "{a}", "}{", "a{}b"}
	seen := map[uint16]bool{}
	for _, id := range ids {
		rec, eff := "jobstore||"+RecordKey(id), "jobstore||"+EffectKey(id)
		if slot(rec) != slot(eff) {
			t.Errorf("id %q: %s is in slot %d, %s in slot %d", id, rec, slot(rec), eff, slot(eff))
		}
		seen[slot(rec)] = true
		if got, ok := JobIDOfEffectKey(EffectKey(id)); !ok || got != id {
			t.Errorf("JobIDOfEffectKey(%q) = %q, %v; want %q", EffectKey(id), got, ok, id)
		}
	}
	// Tags are per job, not one hot slot for all of them.
	if len(seen) < len(ids)-1 {
		t.Errorf("%d ids landed in only %d slots", len(ids), len(seen))
	}
	if RecordKey("a}b") == RecordKey("a") || RecordKey("") == RecordKey("{}") {
		t.Error("distinct ids share a key")
	}
}
