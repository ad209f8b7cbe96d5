package distill

import (
	"github.com/otclir/otclir/lib/ot"
)

// Hyperparameter keys (GoMLX context parameters) read by this package.
const (
	ParamSteps        = "train_steps"        // optimisation steps
	ParamBatchSize    = "batch_size"         // pairs per step
	ParamLearningRate = "learning_rate"      // = optimizers.ParamLearningRate (a variable in GoMLX)
	ParamTemperature  = "maxsim_temperature" // τ of the in-batch MaxSim cross-entropy
	ParamQueryLen     = "query_len"          // max subwords of a teacher query
	ParamDocLen       = "doc_len"            // max subwords of a teacher document
	ParamBitextLen    = "bitext_len"         // max subwords of each side of a bitext pair
	ParamStudentLoss  = "student_loss"       // "ot", "ot_unbalanced", "hard", "uniform", "mse" or "none"
	ParamMaxSimWeight = "student_maxsim_weight"
	ParamLogEvery     = "log_every" // steps between StepFunc calls
	ParamDataSeed     = "data_seed" // shuffling seed
)

// Student loss kinds.
const (
	LossOT           = "ot"
	LossOTUnbalanced = "ot_unbalanced" // LossOT with KL-relaxed marginals of weight ot.ParamMarginalTau
	LossHard         = "hard"
	LossUniform      = "uniform"
	LossMSE          = "mse"
	// LossNone trains no token alignment: the student's loss is the in-batch
	// MaxSim term alone (ParamMaxSimWeight must be > 0). It is the ablation
	// that tells what the OT plan adds to that term.
	LossNone = "none"
)

// DefaultTeacherParams are the teacher-training defaults.
var DefaultTeacherParams = map[string]any{
	ParamSteps:        600,
	ParamBatchSize:    32,
	ParamLearningRate: 1e-3,
	ParamTemperature:  0.05,
	ParamQueryLen:     32,
	ParamDocLen:       48,
	ParamLogEvery:     10,
	ParamDataSeed:     1,
}

// DefaultStudentParams are the student-training defaults.
var DefaultStudentParams = map[string]any{
	ParamSteps:         400,
	ParamBatchSize:     32,
	ParamLearningRate:  1e-3,
	ParamBitextLen:     48,
	ParamStudentLoss:   LossOT,
	ParamMaxSimWeight:  0.0,
	ParamTemperature:   0.05,
	ParamLogEvery:      10,
	ParamDataSeed:      1,
	ot.ParamEpsilon:    0.05,
	ot.ParamIterations: 20,
}

// OptionalStudentParams are student hyperparameters that DefaultStudentParams
// leaves out, with the defaults TrainStudent reads them with: absent from a
// configuration unless set, so the settings and artifact keys of runs
// recorded before they existed stay the same. The fine-tuning options
// (FineTuneParams) are among them.
var OptionalStudentParams = func() map[string]any {
	m := map[string]any{
		ot.ParamMarginalTau: ot.DefaultMarginalTau, // LossOTUnbalanced only
	}
	for k, v := range FineTuneParams {
		m[k] = v
	}
	return m
}()

// StudentLosses are the values of ParamStudentLoss, in documentation order.
var StudentLosses = []string{LossOT, LossOTUnbalanced, LossHard, LossUniform, LossMSE, LossNone}

// StepFunc receives the training loss every ParamLogEvery steps.
type StepFunc func(step int64, loss float64) error
