package record

// Final metrics of a neural evaluation run besides its measures: the
// coverage of the shared tokenizer on the foreign side's texts (its queries,
// or its documents for English queries).
const (
	// MetricSubwordsPerWord is the mean number of subwords per word (words as
	// the tokenizer splits them: at white space and U+1361, and every
	// character of a language written without separators); 1 means the
	// vocabulary holds the language's words whole.
	MetricSubwordsPerWord = "subwords_per_word"
	// MetricUnkRate is the fraction of those subwords that are the unknown
	// token (characters the vocabulary lacks).
	MetricUnkRate = "unk_rate"
)
