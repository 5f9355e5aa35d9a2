package quality

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Hello\tthere\n", "Hello\tthere\n"},
		{"controls become spaces", "a\x00b\x1bc\x7fd\u0085e", "a b c d e"},
		{"line endings", "a\r\nb\rc\n", "a\nb\nc\n"},
		{"invalid bytes", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"clipped", strings.Repeat("a", maxAnswerBytes+10), strings.Repeat("a", maxAnswerBytes)},
		{"clipped before a rune", strings.Repeat("a", maxAnswerBytes-1) + "é", strings.Repeat("a", maxAnswerBytes-1)},
		{"replacement counts", strings.Repeat("a", maxAnswerBytes-2) + "\xff", strings.Repeat("a", maxAnswerBytes-2)},
	}
	for _, tt := range tests {
		got := sanitize(tt.in)
		if got != tt.want {
			t.Errorf("%s: sanitize(%.40q) = %.40q (%d bytes), want %.40q (%d bytes)",
				tt.name, tt.in, got, len(got), tt.want, len(tt.want))
		}
		if !utf8.ValidString(got) || len(got) > maxAnswerBytes {
			t.Errorf("%s: sanitize(%.40q) is invalid UTF-8 or longer than %d bytes", tt.name, tt.in, maxAnswerBytes)
		}
	}
}

func TestCleanEmail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want answerText
	}{
		{
			name: "nothing quoted",
			in:   "Hello,\nyes.\n",
			want: answerText{text: "Hello,\nyes.\n", body: "Hello,\nyes.\n"},
		},
		{
			name: "quoted lines anywhere",
			in:   "Yes.\n> your question\n  >> older\nBye",
			want: answerText{text: "Yes.\nBye", body: "Yes.\nBye"},
		},
		{
			name: "gmail attribution",
			in:   "Yes.\n\nOn Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\nplain original\n",
			want: answerText{text: "Yes.\n", body: "Yes.\n"},
		},
		{
			name: "attribution on two lines",
			in:   "Yes.\nOn Mon, 1 Dec 2026 at 10:00, Jane Doe\n<jane@example.com> wrote:\n> q\n",
			want: answerText{text: "Yes.", body: "Yes."},
		},
		{
			name: "On without wrote is kept",
			in:   "On Monday we ship.\nThanks\n",
			want: answerText{text: "On Monday we ship.\nThanks\n", body: "On Monday we ship.\nThanks\n"},
		},
		{
			name: "quoted attribution does not cut an inline answer",
			in:   "> On Mon, Jane wrote:\n> q?\nAnswer.\n",
			want: answerText{text: "Answer.\n", body: "Answer.\n"},
		},
		{
			name: "original message",
			in:   "Yes.\n-----Original Message-----\nFrom: Jane\nq\n",
			want: answerText{text: "Yes.", body: "Yes."},
		},
		{
			name: "outlook header block",
			in:   "Yes.\n*From:* Jane Doe\n*Sent:* Monday\n*To:* Support\n*Cc:* x\n*Subject:* Returns\nq\n",
			want: answerText{text: "Yes.", body: "Yes."},
		},
		{
			name: "From: without Subject: within 4 lines is kept",
			in:   "From: our warehouse\nSent: today\na\nb\nc\nSubject: x\n",
			want: answerText{
				text: "From: our warehouse\nSent: today\na\nb\nc\nSubject: x\n",
				body: "From: our warehouse\nSent: today\na\nb\nc\nSubject: x\n",
			},
		},
		{
			name: "underscores",
			in:   "Yes.\n________________________________\nFrom: Jane\nq\n",
			want: answerText{text: "Yes.", body: "Yes."},
		},
		{
			name: "signature",
			in:   "Yes.\n-- \nSam\n> q\n",
			want: answerText{text: "Yes.\n-- \nSam\n", body: "Yes.", delim: "-- "},
		},
		{
			name: "signature without the space",
			in:   "Yes.\n--\nSam",
			want: answerText{text: "Yes.\n--\nSam", body: "Yes.", delim: "--"},
		},
		{
			name: "dashes with text are not a signature",
			in:   "Yes. -- Sam\n---\n",
			want: answerText{text: "Yes. -- Sam\n---\n", body: "Yes. -- Sam\n---\n"},
		},
	}
	for _, tt := range tests {
		got := cleanEmail(tt.in)
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(answerText{})); diff != "" {
			t.Errorf("%s: cleanEmail(%q) (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestPrepareChatKeepsEverything(t *testing.T) {
	in := "> Yes.\nOn Mon, Jane wrote:\n-- \nSam"
	want := answerText{text: in, body: in}
	if got := prepare("chat", in); got != want {
		t.Errorf("prepare(chat, %q) = %+v, want %+v", in, got, want)
	}
}

func TestClipSpan(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	got := clipSpan(long)
	if len(got) != 200 || !utf8.ValidString(got) {
		t.Errorf("clipSpan(150 × é) = %d bytes, valid %v; want 200 valid bytes", len(got), utf8.ValidString(got))
	}
	odd := "a" + long
	if got := clipSpan(odd); len(got) != 199 || !utf8.ValidString(got) {
		t.Errorf("clipSpan(a + 150 × é) = %d bytes, valid %v; want 199 valid bytes", len(got), utf8.ValidString(got))
	}
}
