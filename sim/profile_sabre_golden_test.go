package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSabreGoldenHash pins, bit for bit, every per-session output of the
// sabre profile (Sabre's metrics, the core's summary and the
// per-download timeline) over the first ten 3G traces of mmsys18 with
// bbb.json in eleven Sabre configurations, over all 86 3G traces with
// Sabre's -a bola -b 10, and over the first ten 4G and FCC-HD traces.
// The hashes were computed before the profile's hot paths were optimised
// (abrkit commit 4187835) and must not change: the optimisations keep
// Sabre's float arithmetic exactly. fmt's %v prints a float64 in its
// shortest form that reads back to the same bits, so a change in any
// last bit changes the hash (a one-ulp change of the link's step time
// changes seven of the fifteen).
func TestSabreGoldenHash(t *testing.T) {
	v, err := LoadSabreMovie(drvShared(t, "traces", "sabre", "mmsys18", "bbb.json"))
	require.NoError(t, err)
	cases := []struct {
		name, abr string
		edit      func(*SabreProfile)
		want      string
		set       string // mmsys18 trace directory, default 3Glogs
		n         int    // traces, default 10
	}{
		{"bola_b10", "bola", b10, "b1c3e8a8918e7d95f269b767f077c3261ca3249be681b576a26edbb96ddfe5e3", "", 0},
		{"bola_b25", "bola", nil, "98d00607f7ef6f9bbe9778338e673ec621093da123ebda80076a31e226aa0ecf", "", 0},
		{"bola_basic_o", "bola:basic,o", nil, "a3a9797e6e6ecf7119bd95c01fa33b0e0eec23a1f991b132e7f60decbc48cf32", "", 0},
		{"bola_noa_b10", "bola", func(p *SabreProfile) { b10(p); p.NoAbandon = true }, "1a077751eb77b17282c33327f984dee2e08381aec89ce13b9788af226a84c4e1", "", 0},
		{"bolae_b10", "bolae", b10, "c27f16afa6745f48ba59579ea012db6304af5d8c83c6e6ee2ce10444cd654eae", "", 0},
		{"bola_pl", "bolae:noibr", nil, "2bf280c223718dd7bfe20355c5a5c61408c2cef901ecffef193d453a24fff26c", "", 0},
		{"throughput_b10", "sabre-throughput", b10, "d6dc120845d8dd06a482fcc6412142e1a1d456fd771b8874a80687a86f4dfb94", "", 0},
		{"throughput_sliding", "sabre-throughput", func(p *SabreProfile) { p.MovingAverage = "sliding" }, "9279343df75bd9854c857d42c6af8c47479350e024972b641f37ad7d8b090405", "", 0},
		{"dynamic", "dynamic", nil, "fa574519a5b2c90a8ecf731e7278f90b5cd21a85ceb7ee0b9bb771222e74f825", "", 0},
		{"dynamicdash", "dynamicdash", nil, "4b84f05224756d1d9a16e7371288927dbddb189e89785a3723977163e197ee35", "", 0},
		{"bolae_fs_left", "bolae", func(p *SabreProfile) { p.Replace = "left" }, "d2f37b0cb3b8649d1cd67a4f41f8435b56f20cc6fa98d5a488263a35721f96e4", "", 0},
		{"bola_b10_all", "bola", b10, "03bf5ccdaee7c10fad3aeb9d4bae5d6bb4e4d2b3d77a83c786271d29ccd32f2f", "", 86},
		{"bola_b10_4g", "bola", b10, "c0980d95bd65fd13dc7dba1887c6f7ef13f02d2412c4902f46d1a37b06dc2cb0", "4Glogs", 0},
		{"bolae_4g", "bolae", nil, "990e9b21635fe724d9e6ca8fedc2a27c6f03c6c6cc3e089ac2adb26454025c54", "4Glogs", 0},
		{"throughput_fcc_hd", "sabre-throughput", nil, "6e9ce98af4118e30a753065f8138d3c0b5652800b4d4e43fa7b5eb0b9f47ea6a", "hd_fs", 0},
	}
	r := NewRunner()
	for _, c := range cases {
		set, n := c.set, c.n
		if set == "" {
			set = "3Glogs"
		}
		if n == 0 {
			n = 10
		}
		list, err := ListTraceFiles(drvShared(t, "traces", "sabre", "mmsys18", set))
		require.NoError(t, err)
		require.Len(t, list[:n], n)
		h := sha256.New()
		for _, in := range list[:n] {
			tr, err := in.Load()
			require.NoError(t, err)
			p := DefaultSabreProfile()
			if c.edit != nil {
				c.edit(&p)
			}
			cfg := DefaultSessionConfig()
			cfg.Profile, cfg.Video, cfg.Trace, cfg.ABR, cfg.Timeline = p, v, tr, c.abr, true
			res, err := r.Run(&cfg)
			require.NoError(t, err)
			require.Empty(t, res.Err, "%s %s", c.name, in.Name)
			require.NotNil(t, res.Sabre)
			fmt.Fprintf(h, "%s %+v %+v %+v\n", in.Name, *res.Sabre, res.Summary, res.Timeline)
		}
		got := hex.EncodeToString(h.Sum(nil))
		assert.Equal(t, c.want, got, c.name)
	}
}

func b10(p *SabreProfile) { p.BufferSize = 10 * time.Second }
