package qoe

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModelNames(t *testing.T) {
	assert.Equal(t, []string{"lin", "log", "hd"}, ModelNames())
	names := ModelNames()
	names[0] = "changed"
	assert.Equal(t, "lin", ModelNames()[0], "callers get a copy")
}

func TestParseModel(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Model
	}{
		{"lin", Lin()}, {" LOG ", Log()}, {"Hd", HD()},
	} {
		m, err := ParseModel(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, m)
	}
	assert.Equal(t, 4.3, Lin().RebufferPenalty)
	assert.Equal(t, 2.66, Log().RebufferPenalty)
	assert.Equal(t, int64(300_000), Log().BaseBitrate)
	assert.Equal(t, 8.0, HD().RebufferPenalty)

	_, err := ParseModel("linear")
	require.ErrorIs(t, err, ErrUnknownModel)
	assert.Contains(t, err.Error(), `"linear"`)
	assert.Contains(t, err.Error(), "lin, log, hd")

	// Each call returns a fresh table.
	a, _ := ParseModel("hd")
	a.Table[0].Utility = 99
	b, _ := ParseModel("hd")
	assert.Equal(t, 1.0, b.Table[0].Utility)
}

func TestParseModels(t *testing.T) {
	ms, err := ParseModels("lin, hd")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "lin", ms[0].Name)
	assert.Equal(t, "hd", ms[1].Name)

	ms, err = ParseModels("  ")
	require.NoError(t, err)
	assert.Empty(t, ms)

	_, err = ParseModels("lin,foo")
	require.ErrorIs(t, err, ErrUnknownModel)
	_, err = ParseModels("lin,,log")
	require.ErrorIs(t, err, ErrUnknownModel)
	_, err = ParseModels("lin,LIN")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "given twice")
}

func TestLookup(t *testing.T) {
	f, err := Lookup("hd")
	require.NoError(t, err)
	got, err := f(envivioSession(), FullSessionConvention())
	require.NoError(t, err)
	want, err := HD().Score(envivioSession(), FullSessionConvention())
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, 13.0, got.Total) // see TestScoreHD

	_, err = Lookup("nope")
	require.ErrorIs(t, err, ErrUnknownModel)
}
