package rtp

type bitWriter struct {
	b   []byte
	n   int // bits written
	bad bool
}

func (w *bitWriter) put(bits int, v uint32) {
	if bits < 32 && v>>bits != 0 {
		w.bad = true
	}
	for i := bits - 1; i >= 0; i-- {
		if w.n&7 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (7 - w.n&7)
		w.n++
	}
}

func (w *bitWriter) flag(v bool) {
	if v {
		w.put(1, 1)
	} else {
		w.put(1, 0)
	}
}

// ns writes v in 0..n-1 as a non-symmetric unsigned value (the inverse of
// bitReader.ns, AV1 spec §4.10.7).
func (w *bitWriter) ns(n, v uint32) {
	if v >= n {
		w.bad = true
		return
	}
	bits := 0
	for x := n; x != 0; x >>= 1 {
		bits++
	}
	m := uint32(1)<<bits - n
	if v < m {
		w.put(bits-1, v)
		return
	}
	w.put(bits-1, (v+m)>>1)
	w.put(1, (v+m)&1)
}

// AppendTo appends the descriptor. With no extended field set it writes
// the 3 mandatory bytes. When HasStructure is set, s is written as the
// template dependency structure; s is also needed for active decode
// targets and custom DTIs, frame diffs and chains. Fields that do not fit
// their width return ErrDDMalformed and leave b unchanged.
func (d *DependencyDescriptor) AppendTo(b []byte, s *DDStructure) ([]byte, error) {
	orig := len(b)
	w := bitWriter{b: b, n: 8 * len(b)}
	w.put(1, boolBit(d.StartOfFrame))
	w.put(1, boolBit(d.EndOfFrame))
	w.put(6, uint32(d.TemplateID))
	w.put(16, uint32(d.FrameNumber))
	ext := d.HasStructure || d.HasActiveDecodeTargets || d.CustomDTIs || d.CustomFDiffs || d.CustomChains
	if !ext {
		return w.b, nil
	}
	if s == nil || (!s.Valid && !d.HasStructure) {
		return b[:orig], ErrDDNoStructure
	}
	w.flag(d.HasStructure)
	w.flag(d.HasActiveDecodeTargets)
	w.flag(d.CustomDTIs)
	w.flag(d.CustomFDiffs)
	w.flag(d.CustomChains)
	if d.HasStructure {
		s.write(&w)
	}
	dt := int(s.NumDecodeTargets)
	if d.HasActiveDecodeTargets {
		w.put(dt, d.ActiveDecodeTargets)
	}
	if d.CustomDTIs {
		for i := range dt {
			w.put(2, uint32(d.DTIs[i]))
		}
	}
	if d.CustomFDiffs {
		for i := range int(min(d.NumFDiffs, DDMaxFDiffs)) {
			v := uint32(d.FDiffs[i]) - 1
			size := 1
			for size < 3 && v>>(4*size) != 0 {
				size++
			}
			if d.FDiffs[i] == 0 {
				w.bad = true
			}
			w.put(2, uint32(size))
			w.put(4*size, v)
		}
		w.put(2, 0)
	}
	if d.CustomChains {
		for i := range int(s.NumChains) {
			w.put(8, uint32(d.ChainDiffs[i]))
		}
	}
	if w.bad {
		return b[:orig], ErrDDMalformed
	}
	return w.b, nil
}

func boolBit(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

// write encodes template_dependency_structure (§A.8.3).
func (s *DDStructure) write(w *bitWriter) {
	if s.NumTemplates == 0 || s.NumDecodeTargets == 0 || s.NumDecodeTargets > DDMaxDecodeTargets {
		w.bad = true
		return
	}
	w.put(6, uint32(s.TemplateIDOffset))
	w.put(5, uint32(s.NumDecodeTargets-1))
	// template_layers: the templates must be ordered by spatial then
	// temporal layer, each step staying, moving up one temporal layer, or
	// starting the next spatial layer at temporal layer 0.
	if s.Templates[0].SpatialID != 0 || s.Templates[0].TemporalID != 0 {
		w.bad = true
	}
	for i := 1; i < int(s.NumTemplates); i++ {
		prev, cur := &s.Templates[i-1], &s.Templates[i]
		switch {
		case cur.SpatialID == prev.SpatialID && cur.TemporalID == prev.TemporalID:
			w.put(2, 0)
		case cur.SpatialID == prev.SpatialID && cur.TemporalID == prev.TemporalID+1:
			w.put(2, 1)
		case cur.SpatialID == prev.SpatialID+1 && cur.TemporalID == 0:
			w.put(2, 2)
		default:
			w.bad = true
		}
	}
	w.put(2, 3)
	dt := int(s.NumDecodeTargets)
	for i := range int(s.NumTemplates) {
		for j := range dt {
			w.put(2, uint32(s.Templates[i].DTIs[j]))
		}
	}
	for i := range int(s.NumTemplates) {
		t := &s.Templates[i]
		for k := range int(min(t.NumFDiffs, DDMaxFDiffs)) {
			if t.FDiffs[k] == 0 {
				w.bad = true
			}
			w.put(1, 1)
			w.put(4, uint32(t.FDiffs[k])-1)
		}
		w.put(1, 0)
	}
	w.ns(uint32(dt)+1, uint32(s.NumChains))
	if s.NumChains > 0 {
		for j := range dt {
			w.ns(uint32(s.NumChains), uint32(s.DecodeTargetProtectedBy[j]))
		}
		for i := range int(s.NumTemplates) {
			for c := range int(s.NumChains) {
				w.put(4, uint32(s.Templates[i].ChainDiffs[c]))
			}
		}
	}
	w.flag(s.HasResolutions)
	if s.HasResolutions {
		last := s.Templates[s.NumTemplates-1].SpatialID
		if int(last) >= DDMaxSpatialLayers {
			w.bad = true
			return
		}
		for i := 0; i <= int(last); i++ {
			if s.Width[i] == 0 || s.Height[i] == 0 {
				w.bad = true
			}
			w.put(16, s.Width[i]-1)
			w.put(16, s.Height[i]-1)
		}
	}
}
