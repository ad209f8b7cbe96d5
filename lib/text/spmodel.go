package text

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Piece types of a SentencePiece model (ModelProto.SentencePiece.Type in
// sentencepiece_model.proto).
const (
	spmNormal      = 1
	spmUnknown     = 2
	spmControl     = 3
	spmUserDefined = 4
	spmUnused      = 5
	spmByte        = 6
)

// Model types of a SentencePiece model (TrainerSpec.ModelType).
const (
	spmUnigram = 1
	spmBPE     = 2
	spmWord    = 3
	spmChar    = 4
)

// spmPiece is one ModelProto.SentencePiece.
type spmPiece struct {
	piece string
	score float32
	typ   int
}

// spmModel is the part of a SentencePiece ModelProto that encoding needs.
type spmModel struct {
	pieces []spmPiece

	// TrainerSpec
	modelType               int
	unkID, bosID, eosID     int32
	padID                   int32
	byteFallback            bool
	treatWhitespaceAsSuffix bool

	// NormalizerSpec
	normalizerName         string
	charsmap               []byte
	addDummyPrefix         bool
	removeExtraWhitespaces bool
	escapeWhitespaces      bool
}

// protoReader walks protobuf wire format (the encoding documented at
// protobuf.dev/programming-guides/encoding) field by field.
type protoReader struct {
	b   []byte
	off int // offset of b[0] in the file, for errors
}

// next returns the next field number, wire type and payload: for varints the
// value in v, for length-delimited fields the bytes in p, for fixed32 the
// bits in v.
func (r *protoReader) next() (field int, wire int, v uint64, p []byte, err error) {
	start := r.off
	key, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, 0, 0, nil, fmt.Errorf("bad field key at byte %d", start)
	}
	r.b, r.off = r.b[n:], r.off+n
	field, wire = int(key>>3), int(key&7)
	if field == 0 {
		return 0, 0, 0, nil, fmt.Errorf("field number 0 at byte %d", start)
	}
	switch wire {
	case 0:
		v, n = binary.Uvarint(r.b)
		if n <= 0 {
			return 0, 0, 0, nil, fmt.Errorf("bad varint in field %d at byte %d", field, r.off)
		}
		r.b, r.off = r.b[n:], r.off+n
	case 1:
		if len(r.b) < 8 {
			return 0, 0, 0, nil, fmt.Errorf("truncated fixed64 field %d at byte %d", field, r.off)
		}
		v = binary.LittleEndian.Uint64(r.b)
		r.b, r.off = r.b[8:], r.off+8
	case 2:
		l, n := binary.Uvarint(r.b)
		if n <= 0 || l > uint64(len(r.b)-n) {
			return 0, 0, 0, nil, fmt.Errorf("bad length of field %d at byte %d", field, r.off)
		}
		p = r.b[n : n+int(l)]
		r.b, r.off = r.b[n+int(l):], r.off+n+int(l)
	case 5:
		if len(r.b) < 4 {
			return 0, 0, 0, nil, fmt.Errorf("truncated fixed32 field %d at byte %d", field, r.off)
		}
		v = uint64(binary.LittleEndian.Uint32(r.b))
		r.b, r.off = r.b[4:], r.off+4
	default:
		return 0, 0, 0, nil, fmt.Errorf("unsupported wire type %d of field %d at byte %d", wire, field, start)
	}
	return field, wire, v, p, nil
}

// parseSPModel decodes a serialized sentencepiece ModelProto. Unknown fields
// are skipped, as protobuf readers do.
func parseSPModel(b []byte) (*spmModel, error) {
	m := &spmModel{
		modelType: spmUnigram, unkID: 0, bosID: 1, eosID: 2, padID: -1,
		addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true,
	}
	r := protoReader{b: b}
	for len(r.b) > 0 {
		at := r.off
		f, w, _, p, err := r.next()
		if err != nil {
			return nil, err
		}
		switch {
		case f == 1 && w == 2:
			pc, err := parseSPPiece(p, at)
			if err != nil {
				return nil, err
			}
			m.pieces = append(m.pieces, pc)
		case f == 2 && w == 2:
			if err := m.parseTrainerSpec(p, at); err != nil {
				return nil, err
			}
		case f == 3 && w == 2:
			if err := m.parseNormalizerSpec(p, at); err != nil {
				return nil, err
			}
		}
	}
	if len(m.pieces) == 0 {
		return nil, fmt.Errorf("model has no pieces")
	}
	return m, nil
}

func parseSPPiece(b []byte, at int) (spmPiece, error) {
	pc := spmPiece{typ: spmNormal}
	r := protoReader{b: b, off: at}
	for len(r.b) > 0 {
		f, w, v, p, err := r.next()
		if err != nil {
			return pc, err
		}
		switch {
		case f == 1 && w == 2:
			if !utf8.Valid(p) {
				return pc, fmt.Errorf("piece at byte %d is not UTF-8", at)
			}
			pc.piece = string(p)
		case f == 2 && w == 5:
			pc.score = math.Float32frombits(uint32(v))
		case f == 3 && w == 0:
			pc.typ = int(v)
		}
	}
	if pc.piece == "" {
		return pc, fmt.Errorf("empty piece at byte %d", at)
	}
	if pc.typ < spmNormal || pc.typ > spmByte {
		return pc, fmt.Errorf("piece %q at byte %d has unknown type %d", pc.piece, at, pc.typ)
	}
	return pc, nil
}

// int32Of reads a proto int32 varint (negative values are 10-byte varints).
func int32Of(v uint64) int32 { return int32(int64(v)) }

func (m *spmModel) parseTrainerSpec(b []byte, at int) error {
	r := protoReader{b: b, off: at}
	for len(r.b) > 0 {
		f, w, v, _, err := r.next()
		if err != nil {
			return err
		}
		if w != 0 {
			continue
		}
		switch f {
		case 3:
			m.modelType = int(v)
		case 24:
			m.treatWhitespaceAsSuffix = v != 0
		case 35:
			m.byteFallback = v != 0
		case 40:
			m.unkID = int32Of(v)
		case 41:
			m.bosID = int32Of(v)
		case 42:
			m.eosID = int32Of(v)
		case 43:
			m.padID = int32Of(v)
		}
	}
	return nil
}

func (m *spmModel) parseNormalizerSpec(b []byte, at int) error {
	r := protoReader{b: b, off: at}
	for len(r.b) > 0 {
		f, w, v, p, err := r.next()
		if err != nil {
			return err
		}
		switch {
		case f == 1 && w == 2:
			m.normalizerName = string(p)
		case f == 2 && w == 2:
			m.charsmap = append([]byte(nil), p...)
		case f == 3 && w == 0:
			m.addDummyPrefix = v != 0
		case f == 4 && w == 0:
			m.removeExtraWhitespaces = v != 0
		case f == 5 && w == 0:
			m.escapeWhitespaces = v != 0
		}
	}
	return nil
}
