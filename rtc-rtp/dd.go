package rtp

import "errors"

// Limits of the dependency descriptor structure held in fixed arrays.
const (
	// DDMaxTemplates is the most frame dependency templates (the 6-bit
	// template id space).
	DDMaxTemplates = 64
	// DDMaxDecodeTargets is the most decode targets (dt_cnt_minus_one is
	// 5 bits).
	DDMaxDecodeTargets = 32
	// DDMaxFDiffs is the most frame diffs a template or frame may list.
	DDMaxFDiffs = 16
	// DDMaxSpatialLayers is the most spatial layers with a resolution.
	DDMaxSpatialLayers = 4
)

// Dependency descriptor errors.
var (
	// ErrDDNoStructure reports a descriptor that needs a template
	// dependency structure none has been received for.
	ErrDDNoStructure = errors.New("rtp: dependency descriptor without a known structure")
	// ErrDDMalformed reports a descriptor that does not follow the syntax
	// or exceeds a DDMax* limit.
	ErrDDMalformed = errors.New("rtp: malformed dependency descriptor")
)

// DDTemplate is one frame dependency template.
type DDTemplate struct {
	SpatialID, TemporalID uint8
	// DTIs holds a decode target indication (0 not present, 1
	// discardable, 2 switch, 3 required) per decode target.
	DTIs       [DDMaxDecodeTargets]uint8
	NumFDiffs  uint8
	FDiffs     [DDMaxFDiffs]uint8
	ChainDiffs [DDMaxDecodeTargets]uint8
}

// DDStructure is a template dependency structure (AV1 RTP spec, Dependency
// Descriptor §A.8.3 template_dependency_structure). A receiver keeps the
// last one per stream and passes it to DependencyDescriptor.Unmarshal.
type DDStructure struct {
	Valid            bool
	TemplateIDOffset uint8
	NumDecodeTargets uint8 // DtCnt
	NumTemplates     uint8
	NumChains        uint8
	// DecodeTargetProtectedBy gives, per decode target, the chain that
	// protects it (when NumChains > 0).
	DecodeTargetProtectedBy [DDMaxDecodeTargets]uint8
	Templates               [DDMaxTemplates]DDTemplate
	MaxSpatialID            uint8
	HasResolutions          bool
	Width, Height           [DDMaxSpatialLayers]uint32
}

// DependencyDescriptor is the AV1 dependency descriptor RTP header
// extension (AV1 RTP payload spec Appendix A). Unmarshal always fills the
// mandatory fields; the frame's dependency information (SpatialID ..
// ChainDiffs) is filled when a structure is known (Resolved).
type DependencyDescriptor struct {
	// Mandatory fields (§A.8.2).
	StartOfFrame bool
	EndOfFrame   bool
	TemplateID   uint8 // frame_dependency_template_id, 6 bits
	FrameNumber  uint16

	// Extended fields (§A.8.2 extended_descriptor_fields), present when
	// the payload is longer than 3 bytes.
	HasStructure           bool // template_dependency_structure_present_flag
	HasActiveDecodeTargets bool // active_decode_targets_present_flag
	CustomDTIs             bool
	CustomFDiffs           bool
	CustomChains           bool
	// ActiveDecodeTargets is the active_decode_targets_bitmask (all
	// targets when a structure arrives without one).
	ActiveDecodeTargets uint32

	// Resolved reports that the frame dependency definition below is set.
	Resolved              bool
	SpatialID, TemporalID uint8
	DTIs                  [DDMaxDecodeTargets]uint8
	NumFDiffs             uint8
	FDiffs                [DDMaxFDiffs]uint16
	ChainDiffs            [DDMaxDecodeTargets]uint8
}

type bitReader struct {
	b   []byte
	pos int
	bad bool
}

func (r *bitReader) f(n int) uint32 {
	if r.pos+n > 8*len(r.b) {
		r.bad = true
		return 0
	}
	var v uint32
	for range n {
		v = v<<1 | uint32(r.b[r.pos>>3]>>(7-r.pos&7)&1)
		r.pos++
	}
	return v
}

func (r *bitReader) flag() bool { return r.f(1) == 1 }

// ns reads a non-symmetric unsigned value in 0..n-1 (AV1 spec §4.10.7).
func (r *bitReader) ns(n uint32) uint32 {
	w := 0
	for x := n; x != 0; x >>= 1 {
		w++
	}
	if w == 0 {
		return 0
	}
	m := uint32(1)<<w - n
	v := r.f(w - 1)
	if v < m {
		return v
	}
	return v<<1 - m + r.f(1)
}

// Unmarshal parses b, the extension payload. s is the stream's structure:
// a structure carried in b is parsed into it (so s must not be nil when
// one can arrive), and s is used to resolve the frame's dependencies. With
// no valid structure, the mandatory fields are returned together with
// ErrDDNoStructure when the rest cannot be parsed.
func (d *DependencyDescriptor) Unmarshal(b []byte, s *DDStructure) error {
	if len(b) < 3 {
		return ErrDDMalformed
	}
	*d = DependencyDescriptor{
		StartOfFrame: b[0]&0x80 != 0,
		EndOfFrame:   b[0]&0x40 != 0,
		TemplateID:   b[0] & 0x3F,
		FrameNumber:  uint16(b[1])<<8 | uint16(b[2]),
	}
	r := bitReader{b: b, pos: 24}
	if len(b) > 3 {
		d.HasStructure = r.flag()
		d.HasActiveDecodeTargets = r.flag()
		d.CustomDTIs = r.flag()
		d.CustomFDiffs = r.flag()
		d.CustomChains = r.flag()
		if d.HasStructure {
			if s == nil {
				return ErrDDNoStructure
			}
			if err := s.parse(&r); err != nil {
				s.Valid = false
				return err
			}
			d.ActiveDecodeTargets = uint32(uint64(1)<<s.NumDecodeTargets - 1)
		}
		if d.HasActiveDecodeTargets {
			if s == nil || !s.Valid {
				return ErrDDNoStructure
			}
			d.ActiveDecodeTargets = r.f(int(s.NumDecodeTargets))
		}
	}
	if r.bad {
		return ErrDDMalformed
	}
	if s == nil || !s.Valid {
		if d.CustomDTIs || d.CustomFDiffs || d.CustomChains || d.HasActiveDecodeTargets {
			return ErrDDNoStructure
		}
		return nil
	}
	// frame_dependency_definition (§A.8.2).
	idx := (int(d.TemplateID) + DDMaxTemplates - int(s.TemplateIDOffset)) % DDMaxTemplates
	if idx >= int(s.NumTemplates) {
		return ErrDDMalformed
	}
	t := &s.Templates[idx]
	d.SpatialID, d.TemporalID = t.SpatialID, t.TemporalID
	dt := int(s.NumDecodeTargets)
	if d.CustomDTIs {
		for i := range dt {
			d.DTIs[i] = uint8(r.f(2))
		}
	} else {
		d.DTIs = t.DTIs
	}
	if d.CustomFDiffs {
		for size := r.f(2); size != 0 && !r.bad; size = r.f(2) {
			if d.NumFDiffs == DDMaxFDiffs {
				return ErrDDMalformed
			}
			d.FDiffs[d.NumFDiffs] = uint16(r.f(4*int(size))) + 1
			d.NumFDiffs++
		}
	} else {
		d.NumFDiffs = t.NumFDiffs
		for i := range int(t.NumFDiffs) {
			d.FDiffs[i] = uint16(t.FDiffs[i])
		}
	}
	if d.CustomChains {
		for i := range int(s.NumChains) {
			d.ChainDiffs[i] = uint8(r.f(8))
		}
	} else {
		d.ChainDiffs = t.ChainDiffs
	}
	if r.bad {
		return ErrDDMalformed
	}
	d.Resolved = true
	return nil
}

// parse reads template_dependency_structure (§A.8.3).
func (s *DDStructure) parse(r *bitReader) error {
	s.Valid = false
	s.TemplateIDOffset = uint8(r.f(6))
	s.NumDecodeTargets = uint8(r.f(5)) + 1
	// template_layers
	var spatial, temporal uint8
	s.NumTemplates = 0
	for {
		if s.NumTemplates == DDMaxTemplates || r.bad {
			return ErrDDMalformed
		}
		t := &s.Templates[s.NumTemplates]
		*t = DDTemplate{SpatialID: spatial, TemporalID: temporal}
		s.NumTemplates++
		next := r.f(2)
		if next == 3 {
			break
		}
		switch next {
		case 1:
			temporal++
		case 2:
			temporal = 0
			spatial++
		}
	}
	s.MaxSpatialID = spatial
	dt := int(s.NumDecodeTargets)
	// template_dtis
	for i := range int(s.NumTemplates) {
		for j := range dt {
			s.Templates[i].DTIs[j] = uint8(r.f(2))
		}
	}
	// template_fdiffs
	for i := range int(s.NumTemplates) {
		t := &s.Templates[i]
		for r.flag() {
			if t.NumFDiffs == DDMaxFDiffs {
				return ErrDDMalformed
			}
			t.FDiffs[t.NumFDiffs] = uint8(r.f(4)) + 1
			t.NumFDiffs++
		}
	}
	// template_chains
	s.NumChains = uint8(r.ns(uint32(dt) + 1))
	if s.NumChains > 0 {
		for j := range dt {
			s.DecodeTargetProtectedBy[j] = uint8(r.ns(uint32(s.NumChains)))
		}
		for i := range int(s.NumTemplates) {
			for c := range int(s.NumChains) {
				s.Templates[i].ChainDiffs[c] = uint8(r.f(4))
			}
		}
	}
	// resolutions
	s.HasResolutions = r.flag()
	if s.HasResolutions {
		if int(s.MaxSpatialID) >= DDMaxSpatialLayers {
			return ErrDDMalformed
		}
		for i := 0; i <= int(s.MaxSpatialID); i++ {
			s.Width[i] = r.f(16) + 1
			s.Height[i] = r.f(16) + 1
		}
	}
	if r.bad {
		return ErrDDMalformed
	}
	s.Valid = true
	return nil
}

// AppendMandatory appends a 3-byte descriptor with only the mandatory
// fields (a frame that follows the template of the stream's structure).
// AppendTo writes the extended fields and structures as well.
func (d *DependencyDescriptor) AppendMandatory(b []byte) []byte {
	b0 := d.TemplateID & 0x3F
	if d.StartOfFrame {
		b0 |= 0x80
	}
	if d.EndOfFrame {
		b0 |= 0x40
	}
	return append(b, b0, byte(d.FrameNumber>>8), byte(d.FrameNumber))
}
