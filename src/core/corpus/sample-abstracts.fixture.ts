/** Three short abstracts in the shapes of the shipped ones (a method name, an acronym defined, a plain claim), for corpus tests. */
export const ABSTRACT_A =
  'We propose VaSSO, a variance suppressed sharpness-aware optimizer that stabilises the adversary of SAM and improves generalization on image classification.';
export const ABSTRACT_B =
  'Noisy labels hurt deep networks. We introduce a novel Faster Meta Update Strategy (FaMUS) that approximates the meta gradient to save training time.';
export const ABSTRACT_C =
  'Adversarial examples fool classifiers. In this paper we propose AdvGAN to generate adversarial examples with generative adversarial networks quickly.';
