/**
 * The `quiz` group: the compatibility quiz. Question statistics come first (answers of purged
 * accounts must not count); user scores and the next daily quiz are derived from them, and
 * `recompute_matches` waits for the scores because compatibility is part of a match.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, round, sha256 } from '../shared/work.js';

const QUESTION_COUNT = 40;
const CHOICES = 4;

/**
 * One answer (0–3) per question per respondent. Question q leans towards choice q % 4, some
 * questions much more than others: those are the ones the statistics should flag.
 */
function createAnswers(random: () => number, respondents: number): number[][] {
  const lean = (q: number) => 0.2 + (q % 8) * 0.1;
  return Array.from({ length: respondents }, () =>
    Array.from({ length: QUESTION_COUNT }, (_, q) => (random() < lean(q) ? q % CHOICES : randomInt(random, 0, CHOICES - 1))),
  );
}

export const refreshQuizQuestionStats = defineJob({
  name: 'refresh_quiz_question_stats',
  description: 'Recounts answer distributions and flags questions that no longer tell people apart',
  group: 'quiz',
  dependsOn: ['cleanup_deleted_accounts'],
  timeout: '10m',
  maxAttempts: 3,
  payload: failureFlags.extend({ max_majority_share: z.number().min(0.25).max(1).default(0.85) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const answers = createAnswers(random, randomInt(random, 300, 700));
    const flagged: number[] = [];
    for (let q = 0; q < QUESTION_COUNT; q += 1) {
      const counts = new Array<number>(CHOICES).fill(0);
      for (const respondent of answers) {
        const choice = respondent[q] ?? 0;
        counts[choice] = (counts[choice] ?? 0) + 1;
      }
      if (Math.max(...counts) / answers.length > ctx.payload.max_majority_share) flagged.push(q);
    }
    await pause(randomInt(random, 100, 300), ctx.signal);
    ctx.metrics.set('answers_counted', answers.length * QUESTION_COUNT);
    ctx.metrics.set('questions_flagged', flagged.length);
    ctx.log.info('refreshed question statistics', { respondents: answers.length, flagged: flagged.length });
    failIfAsked(ctx.payload, 'refresh_quiz_question_stats');
    return { questions: QUESTION_COUNT, respondents: answers.length, flagged_questions: flagged };
  },
});

export const recomputeQuizScores = defineJob({
  name: 'recompute_quiz_scores',
  description: 'Recomputes every user\'s quiz profile and percentile used in match scoring',
  group: 'quiz',
  dependsOn: ['refresh_quiz_question_stats'],
  timeout: '15m',
  maxAttempts: 3,
  payload: failureFlags,
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const answers = createAnswers(random, randomInt(random, 300, 700));
    // A user's score is the share of answers that match the crowd's lean for that question.
    const scores = answers
      .map((row) => row.filter((choice, q) => choice === q % CHOICES).length / QUESTION_COUNT)
      .sort((a, b) => a - b);
    await pause(randomInt(random, 150, 350), ctx.signal);
    const median = scores[Math.floor(scores.length / 2)] ?? 0;
    const mean = scores.reduce((sum, s) => sum + s, 0) / scores.length;
    ctx.metrics.set('users_scored', scores.length);
    ctx.metrics.set('mean_score', round(mean, 3));
    ctx.log.info('recomputed quiz scores', { users: scores.length, median: round(median, 3) });
    failIfAsked(ctx.payload, 'recompute_quiz_scores');
    return { users_scored: scores.length, mean_score: round(mean, 3), median_score: round(median, 3) };
  },
});

export const rotateDailyQuiz = defineJob({
  name: 'rotate_daily_quiz',
  description: 'Picks tomorrow\'s daily quiz from the questions that still discriminate well',
  group: 'quiz',
  dependsOn: ['refresh_quiz_question_stats'],
  timeout: '5m',
  maxAttempts: 5,
  payload: failureFlags.extend({ questions: z.number().int().min(1).max(QUESTION_COUNT).default(10) }),
  async run(ctx) {
    // Seeded by the slot's day, so a retry or a second run for the same night picks the same quiz.
    const day = (ctx.scheduledFor ?? new Date()).toISOString().slice(0, 10);
    const random = createRandom(`daily-quiz:${day}`);
    const chosen = Array.from({ length: QUESTION_COUNT }, (_, q) => ({ q, key: random() }))
      .sort((a, b) => a.key - b.key)
      .slice(0, ctx.payload.questions)
      .map(({ q }) => q)
      .sort((a, b) => a - b);
    await pause(randomInt(random, 50, 150), ctx.signal);
    const quizId = `quiz_${day}_${sha256(chosen.join(',')).slice(0, 8)}`;
    ctx.metrics.set('questions_selected', chosen.length);
    ctx.log.info('rotated daily quiz', { quiz_id: quizId, day });
    failIfAsked(ctx.payload, 'rotate_daily_quiz');
    return { quiz_id: quizId, questions: chosen };
  },
});

export const quizJobs = [refreshQuizQuestionStats, recomputeQuizScores, rotateDailyQuiz];
