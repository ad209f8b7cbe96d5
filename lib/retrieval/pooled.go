package retrieval

import (
	"fmt"
	"math"
)

// MeanPooled returns, for each text's token vectors (n_tokens × dim, flat),
// the mean of its tokens scaled to unit length: the sentence vector the
// MSE student is trained on (lib/distill, student_loss "mse": the mean over
// real tokens), normalised so that a dot product is a cosine. A text
// without tokens, or whose mean is the zero vector, gets the zero vector,
// which scores 0 against everything.
func MeanPooled(vecs [][]float32, dim int) ([][]float32, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("%w: dim %d", ErrShape, dim)
	}
	out := make([][]float32, len(vecs))
	for i, v := range vecs {
		if len(v)%dim != 0 {
			return nil, fmt.Errorf("%w: text %d has %d floats, dim %d", ErrShape, i, len(v), dim)
		}
		out[i] = meanUnit(v, dim)
	}
	return out, nil
}

// meanUnit is the unit-length mean of the tokens of v (sums in float64).
func meanUnit(v []float32, dim int) []float32 {
	sum := make([]float64, dim)
	for t := 0; t+dim <= len(v); t += dim {
		for k, x := range v[t : t+dim] {
			sum[k] += float64(x)
		}
	}
	// The mean's direction is the sum's: dividing by the token count
	// does not change the normalised vector.
	norm := 0.0
	for _, x := range sum {
		norm += x * x
	}
	out := make([]float32, dim)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for k, x := range sum {
		out[k] = float32(x / norm)
	}
	return out
}

// PooledCosine returns cos(mean(q), mean(d)) of two texts' token vectors
// (flat, n × dim), 0 when either has no tokens or a zero mean.
func PooledCosine(q, d []float32, dim int) float32 {
	return dot(meanUnit(q, dim), meanUnit(d, dim))
}

// NewPooledIndex indexes documents by their MeanPooled vectors: one unit
// vector per document, so the index's MaxSim over a one-token query and a
// one-token document is the cosine of the mean-pooled vectors. Search it
// with MeanPooled queries.
func NewPooledIndex(docIDs []string, vecs [][]float32, dim int) (*Index, error) {
	pooled, err := MeanPooled(vecs, dim)
	if err != nil {
		return nil, err
	}
	return NewIndex(docIDs, pooled, dim)
}
