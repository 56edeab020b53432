package nfs3

import (
	"encoding/binary"
	"errors"
)

// XDR (RFC 4506) as NFSv3 and ONC RPC use it: big-endian 4-byte units, variable-length data
// prefixed by its length and padded to a multiple of four.

type encoder struct{ buf []byte }

func (e *encoder) u32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, v) }
func (e *encoder) boolean(v bool) {
	if v {
		e.u32(1)
	} else {
		e.u32(0)
	}
}
func (e *encoder) fixed(b []byte) {
	e.buf = append(e.buf, b...)
	for len(e.buf)%4 != 0 {
		e.buf = append(e.buf, 0)
	}
}
func (e *encoder) opaque(b []byte) { e.u32(uint32(len(b))); e.fixed(b) }
func (e *encoder) str(s string)    { e.opaque([]byte(s)) }

var errShort = errors.New("nfs3: reply shorter than its XDR says")

// decoder reads a reply; the first error sticks and every later read returns zero values, so a
// procedure decodes its whole result and checks err once.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf) < n {
		d.err = errShort
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}
func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}
func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
func (d *decoder) boolean() bool { return d.u32() != 0 }
func (d *decoder) fixed(n int) []byte {
	b := d.take(n)
	d.take((4 - n%4) % 4)
	return append([]byte(nil), b...)
}
func (d *decoder) opaque(max int) []byte {
	n := int(d.u32())
	if d.err == nil && n > max {
		d.err = errors.New("nfs3: reply holds more data than the protocol allows")
		return nil
	}
	return d.fixed(n)
}
func (d *decoder) str(max int) string { return string(d.opaque(max)) }
