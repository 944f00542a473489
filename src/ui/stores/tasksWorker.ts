// The one tasks worker of the page (src/worker/tasks.ts), shared by the stores that parse user
// files off the page's thread (task imports, the Library's .pt imports); started on first use.
import { TasksClient } from '../../bridge/tasksClient';

export const tasksWorker = new TasksClient();
