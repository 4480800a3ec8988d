// Run by process-supervisor.test.ts as a separate process: supervises `sleep` and prints its pid, so
// the test can kill this process (gracefully or not) and check that the child goes too.
import { SupervisedProcess } from './process-supervisor.ts';

const sup = new SupervisedProcess({
  name: 'sleeper',
  command: 'sleep',
  args: ['60'],
  onStart: (child) => console.log(`child ${child.pid}`),
});
sup.start();
