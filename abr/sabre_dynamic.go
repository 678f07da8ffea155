package abr

import (
	"fmt"
	"time"
)

// SabreDynamicParams configures SabreDynamic; the BOLA and throughput
// options are those of SabreBolaParams and SabreThroughputParams, shared
// as in Sabre's single config.
type SabreDynamicParams struct {
	// Basic, Osc, GammaP and BufferSize configure the BOLA part.
	Basic      bool          `abr:"basic"`
	Osc        bool          `abr:"o"`
	GammaP     float64       `abr:"gp"`
	BufferSize time.Duration `abr:"b"`
	// NoIBR disables the throughput part's Insufficient-Buffer Rule.
	NoIBR bool `abr:"noibr"`
	// Threshold is the buffer level around which the mode switches (10 s).
	Threshold time.Duration `abr:"threshold"`
	// Estimator is the estimator NewEstimator returns: "ewma" or "sliding".
	Estimator string `abr:"ma"`
}

// DefaultSabreDynamicParams returns Sabre's defaults.
func DefaultSabreDynamicParams() SabreDynamicParams {
	return SabreDynamicParams{GammaP: 5, BufferSize: 25 * time.Second, Threshold: 10 * time.Second, Estimator: "ewma"}
}

// SabreDynamic is Sabre's Dynamic class ("dynamic"): dash.js's DYNAMIC as
// evaluated in Spiteri, Sitaraman, Sparacio, MMSys 2018
// (UMass-LIDS/sabre src/sabre.py). BOLA (SabreBola) and the
// ThroughputRule (SabreThroughput) both decide at every decision, so both
// keep changing their state: BOLA's last is its own choice even when the
// throughput rung is used, and the IBR factor decays (Sabre quirk Q8).
// It starts in throughput mode, switches to BOLA when L > 10 s and BOLA's
// rung >= the throughput rung, and back when L < 10 s and BOLA's rung <
// the throughput rung. Abandonment always uses the ThroughputRule (BOLA's
// is switched off in Sabre); a replacement download returns it to
// throughput mode. Sabre's Dynamic does not pass seeks on, so the BOLA
// part's finite horizon ignores them. The Reason is that of the part
// whose answer is used.
type SabreDynamic struct {
	bola   SabreBola
	tput   SabreThroughput
	isBola bool
	thrMs  float64
	est    string
}

// NewSabreDynamic returns Sabre's DYNAMIC.
func NewSabreDynamic(p SabreDynamicParams) (*SabreDynamic, error) {
	b, err := NewSabreBola(SabreBolaParams{Basic: p.Basic, Osc: p.Osc, GammaP: p.GammaP, BufferSize: p.BufferSize, Estimator: p.Estimator})
	if err != nil {
		return nil, err
	}
	tp := DefaultSabreThroughputParams()
	tp.NoIBR, tp.Estimator = p.NoIBR, p.Estimator
	t, err := NewSabreThroughput(tp)
	if err != nil {
		return nil, err
	}
	if p.Threshold < 0 {
		return nil, fmt.Errorf("%w: dynamic: threshold must not be negative", ErrBadParam)
	}
	return &SabreDynamic{bola: *b, tput: *t, thrMs: sabreMs(p.Threshold), est: p.Estimator}, nil
}

// Name returns "dynamic".
func (d *SabreDynamic) Name() string { return "dynamic" }

// NewEstimator returns Sabre's estimator (see the "ma" parameter).
func (d *SabreDynamic) NewEstimator() Estimator { return sabreEstimator(d.est) }

// Startup returns rung 0, Sabre's first quality.
func (d *SabreDynamic) Startup(s *Snapshot) Decision { return sabreStartup(s) }

// UsingBola reports whether the last decision was BOLA's.
func (d *SabreDynamic) UsingBola() bool { return d.isBola }

// Decide converts s to Sabre's units and calls SabreDecide.
func (d *SabreDynamic) Decide(s *Snapshot) Decision {
	q, dl, r := d.SabreDecide(sabreViewOf(s))
	return sabreDecision(s, q, dl, r)
}

// SabreDecide is Dynamic.get_quality_delay.
func (d *SabreDynamic) SabreDecide(v SabreView) (int, float64, Reason) {
	bq, bd, br := d.bola.SabreDecide(v)
	tq, td, tr := d.tput.SabreDecide(v)
	if d.isBola {
		if v.BufferMs < d.thrMs && bq < tq {
			d.isBola = false
		}
	} else if v.BufferMs > d.thrMs && bq >= tq {
		d.isBola = true
	}
	if d.isBola {
		return bq, bd, br
	}
	return tq, td, tr
}

// ShouldAbandon is the ThroughputRule's.
func (d *SabreDynamic) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	return d.tput.ShouldAbandon(s, p)
}

// SabreCheckAbandon is the ThroughputRule's.
func (d *SabreDynamic) SabreCheckAbandon(v SabreView, p SabreProgress) (int, bool, Reason) {
	return d.tput.SabreCheckAbandon(v, p)
}

// OnDownload is report_download.
func (d *SabreDynamic) OnDownload(s *Snapshot, dl Download) {
	d.tput.OnDownload(s, dl)
	d.SabreReportDownload(sabreViewOf(s), SabreOutcome{Rung: dl.Rung, Replacement: dl.Replacement, Abandoned: dl.Abandoned})
}

// OnWait is report_delay, which neither part uses.
func (d *SabreDynamic) OnWait(*Snapshot, time.Duration) {}

// OnSeek does nothing: Sabre's Dynamic does not pass seeks on.
func (d *SabreDynamic) OnSeek(*Snapshot) {}

// SabreReportDelay does nothing, as in Sabre.
func (d *SabreDynamic) SabreReportDelay(float64) {}

// SabreReportDownload returns to throughput mode after a replacement.
func (d *SabreDynamic) SabreReportDownload(_ SabreView, o SabreOutcome) {
	if o.Replacement {
		d.isBola = false
	}
}

// SabreReportSeek does nothing, as in Sabre.
func (d *SabreDynamic) SabreReportSeek(SabreView, float64) {}

// SabreDynamicDashParams configures SabreDynamicDash.
type SabreDynamicDashParams struct {
	// NoIBR, Osc, GammaP, BufferSize and MMSys18PL configure the BOLA-E
	// part as in SabreBolaEParams; NoIBR also turns off the throughput
	// part's IBR.
	NoIBR      bool          `abr:"noibr"`
	Osc        bool          `abr:"o"`
	GammaP     float64       `abr:"gp"`
	BufferSize time.Duration `abr:"b"`
	MMSys18PL  bool          `abr:"mmsys18pl"`
	// Low and High are the hysteresis thresholds (5 s and 10 s).
	Low  time.Duration `abr:"low"`
	High time.Duration `abr:"high"`
	// BufferThresholds uses the thresholds Sabre computes from the buffer
	// size and then overwrites (quirk Q7): low (B − p)/2, high B − p − 100 ms.
	BufferThresholds bool `abr:"bufthresholds"`
	// Estimator is the estimator NewEstimator returns: "ewma" or "sliding".
	Estimator string `abr:"ma"`
}

// DefaultSabreDynamicDashParams returns Sabre's defaults.
func DefaultSabreDynamicDashParams() SabreDynamicDashParams {
	return SabreDynamicDashParams{
		GammaP: 5, BufferSize: 25 * time.Second,
		Low: 5 * time.Second, High: 10 * time.Second, Estimator: "ewma",
	}
}

// SabreDynamicDash is Sabre's DynamicDash class ("dynamicdash"): BOLA-E
// (SabreBolaE) and the ThroughputRule with hysteresis (UMass-LIDS/sabre
// src/sabre.py; Spiteri, Sitaraman, Sparacio, MMSys 2018). It switches to
// BOLA-E when L > 10 s and back when L < 5 s; only the active rule
// decides, so BOLA-E's first decision happens when BOLA-E mode is first
// entered. Waits and downloads are reported to both, abandonment uses the
// active rule. Seeks are not passed on, as in Sabre.
type SabreDynamicDash struct {
	bolae         SabreBolaE
	tput          SabreThroughput
	isBola        bool
	lowMs, highMs float64
	bufThr        bool
	est           string
}

// NewSabreDynamicDash returns Sabre's DynamicDash.
func NewSabreDynamicDash(p SabreDynamicDashParams) (*SabreDynamicDash, error) {
	e, err := NewSabreBolaE(SabreBolaEParams{NoIBR: p.NoIBR, Osc: p.Osc, GammaP: p.GammaP, BufferSize: p.BufferSize, MMSys18PL: p.MMSys18PL, Estimator: p.Estimator})
	if err != nil {
		return nil, err
	}
	tp := DefaultSabreThroughputParams()
	tp.NoIBR, tp.Estimator = p.NoIBR, p.Estimator
	t, err := NewSabreThroughput(tp)
	if err != nil {
		return nil, err
	}
	if p.Low < 0 || p.High < p.Low {
		return nil, fmt.Errorf("%w: dynamicdash: want 0 <= low <= high", ErrBadParam)
	}
	return &SabreDynamicDash{bolae: *e, tput: *t, lowMs: sabreMs(p.Low), highMs: sabreMs(p.High), bufThr: p.BufferThresholds, est: p.Estimator}, nil
}

// Name returns "dynamicdash".
func (d *SabreDynamicDash) Name() string { return "dynamicdash" }

// NewEstimator returns Sabre's estimator (see the "ma" parameter).
func (d *SabreDynamicDash) NewEstimator() Estimator { return sabreEstimator(d.est) }

// Startup returns rung 0, Sabre's first quality.
func (d *SabreDynamicDash) Startup(s *Snapshot) Decision { return sabreStartup(s) }

// UsingBola reports whether BOLA-E is the active rule.
func (d *SabreDynamicDash) UsingBola() bool { return d.isBola }

// Decide converts s to Sabre's units and calls SabreDecide.
func (d *SabreDynamicDash) Decide(s *Snapshot) Decision {
	q, dl, r := d.SabreDecide(sabreViewOf(s))
	return sabreDecision(s, q, dl, r)
}

// SabreDecide is DynamicDash.get_quality_delay.
func (d *SabreDynamicDash) SabreDecide(v SabreView) (int, float64, Reason) {
	low, high := d.lowMs, d.highMs
	if d.bufThr {
		b := sabreBufferMs(d.bolae.p.BufferSize, v)
		p := sabreMs(v.Ladder.SegmentDuration)
		low, high = (b-p)/2, (b-p)-100
	}
	if d.isBola && v.BufferMs < low {
		d.isBola = false
	} else if !d.isBola && v.BufferMs > high {
		d.isBola = true
	}
	if d.isBola {
		return d.bolae.SabreDecide(v)
	}
	return d.tput.SabreDecide(v)
}

// ShouldAbandon is the active rule's.
func (d *SabreDynamicDash) ShouldAbandon(s *Snapshot, p Progress) (bool, int, Reason) {
	if d.isBola {
		return d.bolae.ShouldAbandon(s, p)
	}
	return d.tput.ShouldAbandon(s, p)
}

// SabreCheckAbandon is the active rule's.
func (d *SabreDynamicDash) SabreCheckAbandon(v SabreView, p SabreProgress) (int, bool, Reason) {
	if d.isBola {
		return d.bolae.SabreCheckAbandon(v, p)
	}
	return d.tput.SabreCheckAbandon(v, p)
}

// OnDownload reports the download to both rules.
func (d *SabreDynamicDash) OnDownload(s *Snapshot, dl Download) {
	// Whichever rule asked for an abandonment remembers its target.
	o := sabreOutcomeOf(dl, &d.bolae.ab)
	if dl.Abandoned && !dl.Replacement && o.AbandonTo == 0 {
		o.AbandonTo = d.tput.ab.target(dl)
	}
	d.SabreReportDownload(sabreViewOf(s), o)
}

// OnWait reports a full-buffer wait to both rules.
func (d *SabreDynamicDash) OnWait(_ *Snapshot, w time.Duration) { d.SabreReportDelay(sabreMs(w)) }

// OnSeek does nothing: Sabre's DynamicDash does not pass seeks on.
func (d *SabreDynamicDash) OnSeek(*Snapshot) {}

// SabreReportDelay reports a full-buffer wait to BOLA-E.
func (d *SabreDynamicDash) SabreReportDelay(ms float64) { d.bolae.SabreReportDelay(ms) }

// SabreReportDownload reports a download to BOLA-E.
func (d *SabreDynamicDash) SabreReportDownload(v SabreView, o SabreOutcome) {
	d.bolae.SabreReportDownload(v, o)
}

// SabreReportSeek does nothing, as in Sabre.
func (d *SabreDynamicDash) SabreReportSeek(SabreView, float64) {}
