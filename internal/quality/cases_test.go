package quality

// Grade cases with a real hunspell (en_US). Word counts list the words checked.

var emailCases = []gradeCase{
	{
		name:  "correct answer",
		rules: returnsRules,
		answers: []string{"Hi Jane,\n\nThank you for contacting Zorblax. You can return any item within 30 days " +
			"of delivery, as long as you keep the receipt.\n\nKind regards,\nSam\nZorblax Support\n"},
		want: []Check{
			pass("expect:window", "30 days", 0, "stated in answer 1"),
			pass("expect:receipt", "receipt", 0, "stated in answer 1"),
			pass("must_not:restocking_fee", "", -1, "not claimed in the only answer"),
			pass("greeting", "Hi", 0, "the first answer opens with a greeting"),
			pass("name", "Jane", 0, `the shopper is called "Jane" in answer 1`),
			pass("closing", "Kind regards,", 0, "answer 1 signs off"),
			// Hi Thank you for contacting You can return any item within days of delivery
			// as long as you keep the receipt Kind regards Sam (not Zorblax, Support)
			pass("spelling", "", -1, "no misspelled word in 24 checked"),
		},
		words:    24,
		score:    1,
		resolved: true,
	},
	{
		name:    "wrong answer",
		rules:   returnsRules,
		answers: []string{"Hello,\n\nWe charge a restocking fee of 15% on all returns.\n\nThanks,\nSam"},
		want: []Check{
			fail("expect:window", "", -1, "not stated in the only answer"),
			fail("expect:receipt", "", -1, "not stated in the only answer"),
			fail("must_not:restocking_fee", "restocking fee", 0, "claimed in answer 1"),
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			fail("name", "", -1, `the shopper's first name "Jane" is not used`),
			pass("closing", "Thanks,", 0, "answer 1 signs off"),
			pass("spelling", "", -1, "no misspelled word in 11 checked"),
		},
		words: 11,
		score: (0 + 2.0/3 + 1) / 3,
	},
	{
		name:  "quoted original does not count",
		rules: returnsRules,
		answers: []string{"Hello,\n\nWe will look into it and get back to you.\n\nBest,\nSam\n\n" +
			"On Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\n" +
			"> Hi, I'm Jane Doe. Can I return my jacket within 30 days? I lost my receipt.\n" +
			"> Will I recieve a refund? No restocking fee?\n"},
		want: []Check{
			fail("expect:window", "", -1, "not stated in the only answer"),
			fail("expect:receipt", "", -1, "not stated in the only answer"),
			pass("must_not:restocking_fee", "", -1, "not claimed in the only answer"),
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			fail("name", "", -1, `the shopper's first name "Jane" is not used`),
			pass("closing", "Best,", 0, "answer 1 signs off"),
			pass("spelling", "", -1, "no misspelled word in 13 checked"),
		},
		words: 13,
		score: (1.0/3 + 2.0/3 + 1) / 3,
	},
	{
		name:  "attribution on two lines, original not quoted",
		rules: returnsRules,
		answers: []string{"Thanks for your message. We can help.\n\n" +
			"On Mon, 1 Dec 2026 at 10:00, Jane Doe\n<jane@example.com> wrote:\n" +
			"Hi, I'm Jane. Can I return it within 30 days without a receipt?\n"},
		want: []Check{
			fail("expect:window", "", -1, "not stated in the only answer"),
			fail("expect:receipt", "", -1, "not stated in the only answer"),
			pass("must_not:restocking_fee", "", -1, "not claimed in the only answer"),
			pass("greeting", "Thanks for your message", 0, "the first answer opens with a greeting"),
			fail("name", "", -1, `the shopper's first name "Jane" is not used`),
			pass("closing", "Thanks for your message. We can help.", 0, "answer 1 signs off"),
			pass("spelling", "", -1, "no misspelled word in 7 checked"),
		},
		words: 7,
		score: (1.0/3 + 2.0/3 + 1) / 3,
	},
	{
		name:  "Outlook header block",
		rules: returnsRules,
		answers: []string{"Hi there,\n\nReturns are accepted within 30 days.\n\nRegards\nSam\n\n" +
			"From: Jane Doe <jane@example.com>\nSent: Monday, December 1, 2026 10:00 AM\n" +
			"To: Zorblax Support <help@zorblax.example>\nSubject: Returns\n\n" +
			"Hello, I'm Jane. Can I return it without a receipt? I do not want a restocking fee.\n"},
		want: []Check{
			pass("expect:window", "30 days", 0, "stated in answer 1"),
			fail("expect:receipt", "", -1, "not stated in the only answer"),
			pass("must_not:restocking_fee", "", -1, "not claimed in the only answer"),
			pass("greeting", "Hi", 0, "the first answer opens with a greeting"),
			fail("name", "", -1, `the shopper's first name "Jane" is not used`),
			pass("closing", "Regards", 0, "answer 1 signs off"),
			pass("spelling", "", -1, "no misspelled word in 9 checked"),
		},
		words: 9,
		score: (2.0/3 + 2.0/3 + 1) / 3,
	},
	{
		name: "signature counts for closing and facts, not spelling",
		rules: Rules{
			Channel: "email",
			Expect:  []Fact{{Name: "site", Pattern: re(`www\.zorblax\.com`)}},
			Persona: "Jane Doe",
		},
		answers: []string{"Hello Jane,\n\nYour refund was issued today.\n-- \n" +
			"Sam Smith | Zorblax Support Specialst\nwww.zorblax.com\n"},
		want: []Check{
			pass("expect:site", "www.zorblax.com", 0, "stated in answer 1"),
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			pass("name", "Jane", 0, `the shopper is called "Jane" in answer 1`),
			pass("closing", "-- ", 0, "answer 1 has a signature"),
			pass("spelling", "", -1, "no misspelled word in 6 checked"),
		},
		words:    6,
		score:    1,
		resolved: true,
	},
	{
		name: "second reply holds the facts",
		rules: Rules{
			Channel: "email",
			Expect:  []Fact{{Name: "window", Pattern: re(`(?i)\b30 days\b`)}},
			Persona: "Jane",
		},
		answers: []string{
			"We are looking into it.\n",
			"Hello again jane,\nyes: 30 days.\nOn Tue, 2 Dec 2026, Jane <jane@example.com> wrote:\n> 30 days?\n",
		},
		want: []Check{
			pass("expect:window", "30 days", 1, "stated in answer 2"),
			fail("greeting", "", -1, "the first answer does not open with a greeting"),
			pass("name", "jane", 1, `the shopper is called "Jane" in answer 2`),
			fail("closing", "", -1, "no answer ends with a sign-off or a signature"),
			// We are looking into it Hello again yes days
			pass("spelling", "", -1, "no misspelled word in 9 checked"),
		},
		words:    9,
		score:    (1 + 1.0/3 + 1) / 3,
		resolved: true,
	},
}

var chatCases = []gradeCase{
	{
		name:  "misspellings",
		rules: Rules{Channel: "chat", Persona: "Jane Doe", Ignore: []string{"Zorblax"}},
		answers: []string{
			"Hello Jane, thanks for waiting.",
			"You will recieve teh refund at the adress on file. Our partner FedEx ships it via UPS, " +
				"see https://zorblax.example/track?id=1, or write to help@zorblax.example. " +
				"NASA and teh zorblax team say it's a well-knwon e-mail issue.",
		},
		want: []Check{
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			pass("name", "Jane", 0, `the shopper is called "Jane" in answer 1`),
			skip("closing", "closing is graded on email only"),
			fail("spelling", "recieve, teh, adress, knwon", 1,
				"5 misspelled words (4 distinct) in 32 checked: recieve, teh, adress, knwon"),
		},
		words:      32,
		misspelled: []string{"recieve", "teh", "adress", "knwon"},
		score:      0.5,
	},
	{
		name:    "misspelling allowed",
		rules:   Rules{Channel: "chat", MaxMisspellings: 1},
		answers: []string{"Hello, you will recieve it soon."},
		want: []Check{
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			skip("name", "no persona name given: not graded"),
			skip("closing", "closing is graded on email only"),
			pass("spelling", "recieve", 0, "1 misspelled word in 6 checked: recieve"),
		},
		words:      6,
		misspelled: []string{"recieve"},
		score:      1,
	},
	{
		name: "several messages, quotes kept in chat",
		rules: Rules{
			Channel: "chat",
			Expect:  []Fact{{Name: "window", Pattern: re(`(?i)\b30 days\b`)}},
			Persona: "Jane Doe",
		},
		answers: []string{"Thanks for reaching out! Let me check.", "> Yes, you can return it within 30 days, Jane."},
		want: []Check{
			pass("expect:window", "30 days", 1, "stated in answer 2"),
			pass("greeting", "Thanks for reaching out", 0, "the first answer opens with a greeting"),
			pass("name", "Jane", 1, `the shopper is called "Jane" in answer 2`),
			skip("closing", "closing is graded on email only"),
			pass("spelling", "", -1, "no misspelled word in 14 checked"),
		},
		words:    14,
		score:    1,
		resolved: true,
	},
}
