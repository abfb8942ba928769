package gcc

import interceptor "github.com/sansrtc/rtc/rtc-interceptor"

// NewChain returns the default chain of issue 14: an interceptor.Chain
// with cfg's units whose Estimator is a GCC Estimator with gc (cfg.Estimator
// is replaced). The Estimator is returned too: the pacer takes its probe
// clusters from PollProbe, and packets it sends in a cluster go through
// Chain.SendRTPProbe.
func NewChain(cfg interceptor.Config, gc Config) (*interceptor.Chain, *Estimator, error) {
	if err := gc.Validate(); err != nil {
		return nil, nil, err
	}
	e := New(gc)
	cfg.Estimator = e
	c, err := interceptor.NewChain(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, e, nil
}
