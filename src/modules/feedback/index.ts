// Feedback: ratings, labels, comments and corrected outputs attached to logged capability calls
// (`/v1/feedback`), validated against the call's capability and scoped to the tenant.
export { feedbackErrors } from './feedback.errors.ts';
export type { Feedback, FeedbackPage, FeedbackQuery, FeedbackStore, Rating } from './feedback.port.ts';
export { polarity } from './feedback.port.ts';
export { feedbackSchema, presentFeedback, registerFeedbackRoutes } from './feedback.routes.ts';
export type { FeedbackRequest, FeedbackServiceOptions } from './feedback.service.ts';
export { FeedbackService } from './feedback.service.ts';
export { MemoryFeedbackStore } from './memory-feedback-store.ts';
export { SqlFeedbackStore } from './sql-feedback-store.ts';
