package origin

import (
	"bytes"

	"github.com/Eyevinn/mp4ff/bits"
)

// H.264 parameters of the synthetic video: High profile, 4:2:0, 8 bit,
// progressive, one reference frame, no B-frames (picture order count type
// 2), CABAC, timing information in the VUI.
const (
	avcProfileHigh = 100
	nalTypeSPS     = 0x67 // nal_ref_idc 3, type 7
	nalTypePPS     = 0x68 // nal_ref_idc 3, type 8
	nalTypeIDR     = 0x65 // nal_ref_idc 3, type 5 (IDR slice)
	nalTypeNonIDR  = 0x41 // nal_ref_idc 2, type 1 (non-IDR slice)
)

// avcLevel is one row of H.264 Table A-1.
type avcLevel struct {
	idc    int   // level_idc
	maxMBs int64 // MaxMBPS, macroblocks per second
	maxFS  int64 // MaxFS, macroblocks per frame
	maxBR  int64 // MaxBR in 1000 bit/s for Baseline/Main (High: ×1.25)
}

var avcLevels = []avcLevel{
	{10, 1485, 99, 64}, {11, 3000, 396, 192}, {12, 6000, 396, 384}, {13, 11880, 396, 768},
	{20, 11880, 396, 2000}, {21, 19800, 792, 4000}, {22, 20250, 1620, 4000},
	{30, 40500, 1620, 10000}, {31, 108000, 3600, 14000}, {32, 216000, 5120, 20000},
	{40, 245760, 8192, 20000}, {41, 245760, 8192, 50000}, {42, 522240, 8704, 50000},
	{50, 589824, 22080, 135000}, {51, 983040, 36864, 240000}, {52, 2073600, 36864, 240000},
	{60, 4177920, 139264, 240000}, {61, 8355840, 139264, 480000}, {62, 16711680, 139264, 800000},
}

// chooseLevel returns the lowest level_idc whose frame size, macroblock
// rate and High-profile bitrate limits admit the stream (6.2 if none do).
func chooseLevel(width, height, fps int, bitrate int64) int {
	mbs := int64((width+15)/16) * int64((height+15)/16)
	for _, l := range avcLevels {
		if mbs <= l.maxFS && mbs*int64(fps) <= l.maxMBs && bitrate <= l.maxBR*1250 {
			return l.idc
		}
	}
	return avcLevels[len(avcLevels)-1].idc
}

// makeSPS returns a sequence parameter set NAL unit (with emulation
// prevention) for a progressive 4:2:0 High-profile stream of the given
// size and integer frame rate.
func makeSPS(width, height, fps, level int) []byte {
	var buf bytes.Buffer
	w := bits.NewEBSPWriter(&buf)
	w.Write(nalTypeSPS, 8)
	w.Write(avcProfileHigh, 8)
	w.Write(0, 8) // constraint_set flags
	w.Write(uint(level), 8)
	w.WriteExpGolomb(0) // seq_parameter_set_id
	w.WriteExpGolomb(1) // chroma_format_idc 4:2:0
	w.WriteExpGolomb(0) // bit_depth_luma_minus8
	w.WriteExpGolomb(0) // bit_depth_chroma_minus8
	w.Write(0, 1)       // qpprime_y_zero_transform_bypass_flag
	w.Write(0, 1)       // seq_scaling_matrix_present_flag
	w.WriteExpGolomb(4) // log2_max_frame_num_minus4: frame_num wraps at 256
	w.WriteExpGolomb(2) // pic_order_cnt_type 2: output order = decode order
	w.WriteExpGolomb(1) // max_num_ref_frames
	w.Write(0, 1)       // gaps_in_frame_num_value_allowed_flag
	mbw, mbh := (width+15)/16, (height+15)/16
	w.WriteExpGolomb(uint(mbw - 1)) // pic_width_in_mbs_minus1
	w.WriteExpGolomb(uint(mbh - 1)) // pic_height_in_map_units_minus1
	w.Write(1, 1)                   // frame_mbs_only_flag
	w.Write(1, 1)                   // direct_8x8_inference_flag
	// Cropping is in units of 2 luma samples for 4:2:0 progressive.
	cropRight, cropBottom := (mbw*16-width)/2, (mbh*16-height)/2
	if cropRight != 0 || cropBottom != 0 {
		w.Write(1, 1)
		w.WriteExpGolomb(0)
		w.WriteExpGolomb(uint(cropRight))
		w.WriteExpGolomb(0)
		w.WriteExpGolomb(uint(cropBottom))
	} else {
		w.Write(0, 1)
	}
	w.Write(1, 1) // vui_parameters_present_flag
	w.Write(0, 1) // aspect_ratio_info_present_flag
	w.Write(0, 1) // overscan_info_present_flag
	w.Write(0, 1) // video_signal_type_present_flag
	w.Write(0, 1) // chroma_loc_info_present_flag
	w.Write(1, 1) // timing_info_present_flag
	w.Write(1, 32)
	w.Write(uint(2*fps), 32) // time_scale: two ticks per frame
	w.Write(1, 1)            // fixed_frame_rate_flag
	w.Write(0, 1)            // nal_hrd_parameters_present_flag
	w.Write(0, 1)            // vcl_hrd_parameters_present_flag
	w.Write(0, 1)            // pic_struct_present_flag
	w.Write(0, 1)            // bitstream_restriction_flag
	w.WriteRbspTrailingBits()
	return buf.Bytes()
}

// makePPS returns the picture parameter set NAL unit matching makeSPS.
func makePPS() []byte {
	var buf bytes.Buffer
	w := bits.NewEBSPWriter(&buf)
	w.Write(nalTypePPS, 8)
	w.WriteExpGolomb(0) // pic_parameter_set_id
	w.WriteExpGolomb(0) // seq_parameter_set_id
	w.Write(1, 1)       // entropy_coding_mode_flag: CABAC
	w.Write(0, 1)       // bottom_field_pic_order_in_frame_present_flag
	w.WriteExpGolomb(0) // num_slice_groups_minus1
	w.WriteExpGolomb(0) // num_ref_idx_l0_default_active_minus1
	w.WriteExpGolomb(0) // num_ref_idx_l1_default_active_minus1
	w.Write(0, 1)       // weighted_pred_flag
	w.Write(0, 2)       // weighted_bipred_idc
	w.WriteExpGolomb(0) // pic_init_qp_minus26 (se 0)
	w.WriteExpGolomb(0) // pic_init_qs_minus26 (se 0)
	w.WriteExpGolomb(0) // chroma_qp_index_offset (se 0)
	w.Write(1, 1)       // deblocking_filter_control_present_flag
	w.Write(0, 1)       // constrained_intra_pred_flag
	w.Write(0, 1)       // redundant_pic_cnt_present_flag
	w.Write(1, 1)       // transform_8x8_mode_flag (High profile)
	w.Write(0, 1)       // pic_scaling_matrix_present_flag
	w.WriteExpGolomb(0) // second_chroma_qp_index_offset (se 0)
	w.WriteRbspTrailingBits()
	return buf.Bytes()
}
