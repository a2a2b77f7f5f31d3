/**
 * The nightly maintenance suite: 20 job types an admin used to start by hand, one after the
 * other, in the right order. Here each declares what it waits for (`dependsOn`), so a single
 * `{ all: true }` or `{ group: … }` schedule fires a batch that runs in dependency order, and a
 * failure cancels exactly the job types downstream of it.
 *
 * Dependency roots: cleanup_deleted_accounts, expire_stale_sessions, archive_activity_log,
 * expire_stale_matches, refresh_search_synonyms. The longest chain is
 * cleanup_deleted_accounts → refresh_quiz_question_stats → recompute_quiz_scores →
 * recompute_matches → rebuild_search_index → warm_search_suggestions.
 */
import { feedJobs } from './feed-jobs.js';
import { maintenanceGroupJobs } from './maintenance-group-jobs.js';
import { matchingJobs } from './matching-jobs.js';
import { mediaJobs } from './media-jobs.js';
import { quizJobs } from './quiz-jobs.js';
import { searchJobs } from './search-jobs.js';

export const maintenanceJobs = [
  ...maintenanceGroupJobs,
  ...matchingJobs,
  ...feedJobs,
  ...searchJobs,
  ...mediaJobs,
  ...quizJobs,
];
